"""The second factor moves onto django-otp: each hand-written TOTP secret (base32, pyotp's) becomes an
``otp_totp.TOTPDevice`` with the same key (hex), so the codes the user's authenticator shows keep working;
the last used time step carries over (a code used before the move cannot be replayed after it)."""
from base64 import b32decode, b32encode
from binascii import hexlify, unhexlify

from django.db import migrations, models


def _hex_key(secret):
    secret = "".join(secret.split()).upper()
    return hexlify(b32decode(secret + "=" * (-len(secret) % 8))).decode("ascii")


def forwards(apps, schema_editor):
    Old = apps.get_model("accounts", "TOTPDevice")
    New = apps.get_model("otp_totp", "TOTPDevice")
    for old in Old.objects.all().iterator():
        new = New.objects.create(
            user_id=old.user_id, name="验证器", confirmed=old.confirmed_at is not None, key=_hex_key(old.secret),
            last_t=old.last_counter if old.last_counter is not None else -1,
        )
        New.objects.filter(pk=new.pk).update(created_at=old.created_at, last_used_at=old.confirmed_at)


def backwards(apps, schema_editor):
    Old = apps.get_model("accounts", "TOTPDevice")
    New = apps.get_model("otp_totp", "TOTPDevice")
    for new in New.objects.order_by("user_id", "pk").iterator():
        if Old.objects.filter(user_id=new.user_id).exists():
            continue  # the old schema held one device per user
        Old.objects.create(
            user_id=new.user_id, secret=b32encode(unhexlify(new.key)).decode("ascii").rstrip("="),
            confirmed_at=new.last_used_at or new.created_at if new.confirmed else None,
            last_counter=new.last_t if new.last_t >= 0 else None, created_at=new.created_at,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_user_signature_image"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="TOTPDevice"),
    ]
