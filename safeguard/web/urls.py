from django.urls import path

from . import second_factor, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignIn.as_view(), name="sign_in"),
    path("sign-out/", views.SignOut.as_view(), name="sign_out"),
    path("sign-in/code/", second_factor.sign_in_code, name="sign_in_code"),
    path("second-factor/", second_factor.overview, name="second_factor"),
    path("second-factor/set-up/", second_factor.set_up, name="second_factor_set_up"),
    path("second-factor/turn-off/", second_factor.turn_off, name="second_factor_turn_off"),
    path("second-factor/reset/<int:user_id>/", second_factor.reset, name="second_factor_reset"),
    path("my-work/", views.my_work, name="my_work"),
    path("lado/", views.lado, name="lado"),
    path("children/", views.find_child, name="find"),
    path("children/new/", views.child_new, name="child_new"),
    path("children/<str:child_id>/", views.child_record, name="child"),
    path("children/<str:child_id>/chronology.csv", views.child_export, name="child_export"),
    path("children/<str:child_id>/break-glass/", views.break_glass, name="break_glass"),
    path("children/<str:child_id>/relationship/", views.relationship, name="relationship"),
    path("children/<str:child_id>/grant/", views.grant, name="grant"),
    path("children/<str:child_id>/restrict/", views.restrict, name="restrict"),
    path("children/<str:child_id>/record/<slug:key>/", views.step, name="step"),
    path("manager/", views.manager_queue, name="manager"),
    path("alerts/<int:alert_id>/read/", views.alert_read, name="alert_read"),
    path("iro/", views.iro, name="iro"),
    path("performance/", views.performance, name="performance"),
    path("performance/drill/<str:indicator_id>/", views.performance_drill, name="performance_drill"),
    path("forecast/", views.forecast, name="forecast"),
    path("audit/", views.audit, name="audit"),
]
