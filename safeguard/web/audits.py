"""Pages: audits."""

urlpatterns: list = []
