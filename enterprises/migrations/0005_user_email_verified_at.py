"""A user's email address is verified (email_verified_at), and unique whatever its case among users who have one.

Users made before this migration (staff, entered by hand) might share an address. Rather than change anyone's
address silently, the migration stops and names the duplicates, to be corrected (in the admin) before it runs again.
"""

import django.db.models.functions.text
from django.db import migrations, models


def refuse_duplicate_emails(apps, schema_editor):
    User = apps.get_model("enterprises", "User")
    seen: dict[str, list[str]] = {}
    for username, email in User.objects.exclude(email="").values_list("username", "email"):
        seen.setdefault(email.strip().lower(), []).append(username)
    duplicates = {email: users for email, users in seen.items() if len(users) > 1}
    if duplicates:
        listed = "; ".join(f"{email}: {', '.join(sorted(users))}" for email, users in sorted(duplicates.items()))
        raise RuntimeError(
            "Users share an email address (ignoring case); give each its own (or none) before migrating: " + listed
        )


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('enterprises', '0004_backer_group'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='email_verified_at',
            field=models.DateTimeField(blank=True, help_text='When the user opened the link sent to its email address; a backer pledges only once it has.', null=True, verbose_name='email verified at (이메일 인증 일시)'),
        ),
        migrations.RunPython(refuse_duplicate_emails, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('email'), condition=models.Q(('email', ''), _negated=True), name='user_email_unique_ci', violation_error_message='A user with this email address already exists.'),
        ),
    ]
