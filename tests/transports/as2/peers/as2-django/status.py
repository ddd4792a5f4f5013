"""Print the latest django-pyas2 message of a direction (IN/OUT), or the one with MESSAGE_ID:
message_id status signed encrypted mdn_signed detailed_status.
usage: AS2_HOME=... python status.py IN|OUT [MESSAGE_ID]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "as2proj.settings")
import django; django.setup()
from pyas2.models import Message
qs = Message.objects.filter(direction=sys.argv[1].upper())
if len(sys.argv) > 2 and sys.argv[2]:
    qs = qs.filter(message_id=sys.argv[2].strip("<>"))
if not qs.exists():
    print("none"); sys.exit(0)
m = qs.latest("timestamp")
mdn = getattr(m, "mdn", None)
print(m.message_id, m.status, m.signed, m.encrypted, getattr(mdn, "signed", None), m.detailed_status)
