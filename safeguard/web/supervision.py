"""Pages: supervision."""

urlpatterns: list = []
