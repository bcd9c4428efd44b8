from django.urls import path

from . import backers, views

urlpatterns = [
    path("", views.Landing.as_view(), name="landing"),
    path("login/", views.Login.as_view(), name="login"),
    path("logout/", views.Logout.as_view(), name="logout"),
    path("signup/", backers.Signup.as_view(), name="signup"),
    path("signup/sent/", backers.SignupSent.as_view(), name="signup-sent"),
    path("verify-email/resend/", backers.ResendVerification.as_view(), name="verify-email-resend"),
    path("verify-email/<str:token>/", backers.VerifyEmail.as_view(), name="verify-email"),
    path("console/", views.ConsoleHome.as_view(), name="console"),
    path("my/", views.PortalHome.as_view(), name="portal"),
    path("bank/", views.BankHome.as_view(), name="bank"),
    path("console/audit/", views.AuditTrail.as_view(), name="audit"),
    path("console/verification/", views.Verification.as_view(), name="verification"),
]
