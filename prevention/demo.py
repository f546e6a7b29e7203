"""The demo club's prevention desk: the appointed officer with a certificate that lapses soon, the
concept, a referral directory, the six articles, one evening past and one to come."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from club.demo import DEMO_USERS
from club.models import User
from members.models import Member
from prevention import services
from prevention.models import Appointment, Topic

CONCEPT = """\
1. Who we are for. The club admits adults only and checks every member's age and identity at \
the counter. Members under 21 receive at most 30 g a month with at most 10 % THC.

2. Our prevention officer. The board appoints a trained prevention officer who advises members, \
keeps the list of local counselling services, and runs information evenings.

3. What every member receives. Each dispensing comes with a leaflet: the strain, its THC and CBD \
content, the health warnings and where to find help.

4. Young people. Nobody under 18 enters the club's rooms. We do not advertise. Our information \
is written for adults and never presents use as harmless.

5. When a member worries us. With the member's consent the prevention officer may contact them \
when their use rises steeply or stays at the limit; without consent nobody is singled out.
"""

SERVICES = [
    (
        "Drogen- und Suchtberatung Mitte",
        "counselling",
        "Musterweg 5, 10115 Berlin · 030 1234567",
        "Deutsch, English, Türkçe",
        "Mon-Thu 10-18",
    ),
    (
        "Sucht & Drogen Hotline",
        "helpline",
        "01806 313031",
        "Deutsch",
        "every day, 0-24",
    ),
    (
        "Ambulanz für Suchtmedizin",
        "treatment",
        "Klinikstraße 9, 10117 Berlin · 030 7654321",
        "Deutsch, English",
        "by appointment",
    ),
]

ARTICLES = {
    ("safer_use", "en"): (
        "Safer use",
        "Start low and go slow: wait before taking more. Do not use alone when trying a new "
        "strain.\n\nVaporising is gentler on your lungs than smoking. Keep your cannabis locked "
        "away from children.",
    ),
    ("safer_use", "de"): (
        "Risikoärmer konsumieren",
        "Wenig nehmen und abwarten, bevor du nachlegst. Probiere eine neue Sorte nicht allein."
        "\n\nVerdampfen schont die Lunge mehr als Rauchen. Bewahre Cannabis für Kinder "
        "unerreichbar auf.",
    ),
    ("young_adults", "en"): (
        "THC and young adults",
        "The brain develops until about 25. High THC raises the risk of memory problems, anxiety "
        "and psychosis at a young age.\n\nThat is why members under 21 receive less, with at "
        "most 10 % THC.",
    ),
    ("young_adults", "de"): (
        "THC und junge Erwachsene",
        "Das Gehirn entwickelt sich bis etwa 25. Viel THC erhöht in jungen Jahren das Risiko für "
        "Gedächtnisprobleme, Angst und Psychosen.\n\nDeshalb erhalten Mitglieder unter 21 weniger, "
        "mit höchstens 10 % THC.",
    ),
    ("driving", "en"): (
        "Driving",
        "Do not drive or ride after using cannabis. THC slows your reactions for hours, and it "
        "stays measurable in the blood for longer.",
    ),
    ("pregnancy", "en"): (
        "Pregnancy and breastfeeding",
        "THC reaches the unborn child and passes into breast milk. Do not use cannabis while "
        "pregnant or breastfeeding; ask your doctor or the prevention officer for help to stop.",
    ),
    ("mixing", "en"): (
        "Mixing with alcohol or tobacco",
        "Alcohol and cannabis together hit much harder than either alone. Tobacco adds its own "
        "addiction: try a joint without tobacco, or a vaporiser.",
    ),
    ("dependence", "en"): (
        "Signs of dependence",
        "Needing more for the same effect, using every day, or feeling restless without it are "
        "signs to take seriously.\n\nTalk to the prevention officer or a counselling service: "
        "it is confidential and free.",
    ),
    ("dependence", "es"): (
        "Señales de dependencia",
        "Necesitar más para el mismo efecto, consumir a diario o sentirse inquieto sin consumir "
        "son señales a tomar en serio.\n\nHabla con la persona de prevención o con un servicio "
        "de orientación: es confidencial y gratuito.",
    ),
}


def seed_prevention() -> None:
    if Appointment.objects.exists():
        return
    board = User.objects.get(email=DEMO_USERS[0][1])
    officer = User.objects.get(email=DEMO_USERS[4][1])
    counter = User.objects.get(email=DEMO_USERS[1][1])
    today = timezone.localdate()
    services.appointment_record(
        actor=board,
        user_id=officer.pk,
        kind=Appointment.Kind.APPOINTED,
        effective_on=today - dt.timedelta(days=300),
        decision="Board meeting, item 3: appointment of the prevention officer",
    )
    services.certificate_record(
        actor=board,
        user_id=officer.pk,
        course="Suchtprävention in Anbauvereinigungen (KCanG §23)",
        issuer="Landesstelle für Suchtfragen",
        issued_on=today - dt.timedelta(days=330),
        expires_on=today + dt.timedelta(days=35),
    )
    services.certificate_reminders_send(today=today)
    services.concept_publish(
        actor=officer, title="Health and youth-protection concept", body=CONCEPT
    )
    listed = [
        services.service_save(
            actor=officer, name=name, kind=kind, contact=contact, languages=langs, hours=hours
        )
        for name, kind, contact, langs, hours in SERVICES
    ]
    articles = {
        key: services.article_save(
            actor=officer, topic=key[0], language=key[1], title=title, body=body, published=True
        )
        for key, (title, body) in ARTICLES.items()
    }
    services.handout_record(actor=counter, article_id=articles[("young_adults", "en")].pk)
    member = Member.objects.get(user__email=DEMO_USERS[5][1])
    services.consent_set(actor=member.user, number=member.number, given=True)
    services.contact_record(
        actor=officer,
        number=member.number,
        on=today,
        topic=Topic.SAFER_USE,
        referral_id=listed[0].pk,
    )
    evening = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0)
    past = services.event_save(
        actor=officer,
        title="Knowing your strain: THC, CBD and what they do",
        topic=Topic.SAFER_USE,
        starts_at=evening - dt.timedelta(days=21),
        place="Vereinsraum, Musterstraße 1, Berlin",
        description="Members share what they learned; a counsellor answers questions.",
    )
    for user in (member.user, board):
        number = Member.objects.get(user=user).number
        services.attendance_record(actor=officer, event_id=past.pk, number=number)
    services.event_save(
        actor=officer,
        title="Cannabis and driving",
        topic=Topic.DRIVING,
        starts_at=evening + dt.timedelta(days=14),
        place="Vereinsraum, Musterstraße 1, Berlin",
    )
