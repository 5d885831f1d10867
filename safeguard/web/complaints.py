"""Pages: complaints."""

urlpatterns: list = []
