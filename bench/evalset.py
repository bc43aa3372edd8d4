"""A labelled evaluation set for the dedup core, generated from a seed.

Russian and English news stories are written by a small grammar (topics, people, places and
sentence templates of this project's own), then published again the ways outlets copy each other:

positives (same label as their story)
    ``syndicated``  another outlet's header lines, a dateline ("BISHKEK, Jan 9 (Kabar) -"), the
                    body, the outlet's footer; often with typography changes
    ``excerpt``     the first 30-70 % of the story, with a "read more" line
    ``edited``      one or two sentences dropped and one or two changed, paragraphs reordered,
                    new headline
    ``typography``  quotes, dashes, ё, no-break spaces, letter case
hard negatives (a label of their own)
    ``footer``      different stories of one outlet that share its long footer
    ``topic``       different stories on one topic, with the same people and places
    ``short``       very short template texts (exchange rates, weather) that differ in a number
    ``digest``      a digest quoting the leads of two unrelated stories (must not chain them)

``generate()`` returns the records in publication order; ``label`` is the true cluster, ``case``
what the record is. Run ``python bench/evalset.py --stories 20`` to print a sample.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass

from dedup import Clusterer, DedupConfig, Doc, bcubed, pairwise, signature

DAY = 86400.0
START = 1735689600.0  # 2025-01-01T00:00:00Z


@dataclass(frozen=True)
class Lang:
    """A language's grammar: fillers and templates."""

    code: str
    people: list[tuple[str, str]]  # (nominative, genitive)
    places: list[tuple[str, str, str]]  # (nominative, locative "in X", dateline form)
    orgs: list[str]
    topics: dict[str, dict[str, list[str]]]
    templates: list[str]
    leads: list[str]
    months: list[str]
    read_more: str
    source: str


RU = Lang(
    code="ru",
    people=[
        ("министр энергетики Талант Жолдошбеков", "министра энергетики Таланта Жолдошбекова"),
        ("глава Минэкономики Азамат Бекназаров", "главы Минэкономики Азамата Бекназарова"),
        ("вице-премьер Нурлан Сыдыков", "вице-премьера Нурлана Сыдыкова"),
        ("аким города Ерлан Тулегенов", "акима города Ерлана Тулегенова"),
        ("хоким области Бахтиёр Рахимов", "хокима области Бахтиёра Рахимова"),
        ("председатель правления Фаррух Назаров", "председателя правления Фарруха Назарова"),
        ("депутат Жогорку Кенеша Эрмек Абдыкеримов", "депутата Жогорку Кенеша Эрмека Абдыкеримова"),
        ("министр здравоохранения Кайрат Мусаев", "министра здравоохранения Кайрата Мусаева"),
        ("директор агентства Алишер Каримов", "директора агентства Алишера Каримова"),
        ("мэр Бакыт Осмонов", "мэра Бакыта Осмонова"),
        ("министр транспорта Даврон Саидов", "министра транспорта Даврона Саидова"),
        ("глава комитета Серик Жумабаев", "главы комитета Серика Жумабаева"),
    ],
    places=[
        ("Бишкек", "в Бишкеке", "БИШКЕК"),
        ("Ош", "в Оше", "ОШ"),
        ("Алматы", "в Алматы", "АЛМАТЫ"),
        ("Астана", "в Астане", "АСТАНА"),
        ("Ташкент", "в Ташкенте", "ТАШКЕНТ"),
        ("Самарканд", "в Самарканде", "САМАРКАНД"),
        ("Душанбе", "в Душанбе", "ДУШАНБЕ"),
        ("Худжанд", "в Худжанде", "ХУДЖАНД"),
        ("Нарын", "в Нарыне", "НАРЫН"),
        ("Каракол", "в Караколе", "КАРАКОЛ"),
        ("Шымкент", "в Шымкенте", "ШЫМКЕНТ"),
        ("Наманган", "в Намангане", "НАМАНГАН"),
        ("Талас", "в Таласе", "ТАЛАС"),
        ("Актобе", "в Актобе", "АКТОБЕ"),
        ("Бохтар", "в Бохтаре", "БОХТАР"),
    ],
    orgs=[
        "Министерство энергетики",
        "Национальный банк",
        "Министерство транспорта",
        "Государственная налоговая служба",
        "Министерство сельского хозяйства",
        "Агентство по статистике",
        "Министерство здравоохранения",
        "Таможенная служба",
        "Министерство образования",
        "Фонд развития",
        "Министерство цифрового развития",
    ],
    topics={
        "energy": {
            "obj": [
                "строительство новой подстанции",
                "ремонт линий электропередачи",
                "запуск малой гидроэлектростанции",
                "замену старых трансформаторов",
                "модернизацию теплоэлектроцентрали",
                "подключение новых потребителей",
            ],
            "unit": [
                "мегаватт мощности",
                "километров линий",
                "киловатт-часов",
                "трансформаторных пунктов",
            ],
            "noun": ["энергосистема", "подстанция", "гидроэлектростанция", "котельная"],
        },
        "roads": {
            "obj": [
                "реконструкцию участка трассы",
                "строительство нового моста",
                "ремонт дорожного покрытия",
                "установку светофоров",
                "расширение кольцевой дороги",
                "открытие объездной дороги",
            ],
            "unit": ["километров дорог", "мостов", "перекрестков", "остановок"],
            "noun": ["трасса", "мост", "развязка", "дорога"],
        },
        "trade": {
            "obj": [
                "экспорт сельхозпродукции",
                "запуск нового торгового коридора",
                "снижение таможенных пошлин",
                "открытие логистического центра",
                "поставки хлопкового волокна",
                "упрощение пограничных процедур",
            ],
            "unit": ["тонн груза", "миллионов долларов", "контейнеров", "вагонов"],
            "noun": ["товарооборот", "экспорт", "терминал", "коридор"],
        },
        "health": {
            "obj": [
                "вакцинацию детей",
                "строительство районной больницы",
                "закупку медицинского оборудования",
                "обучение семейных врачей",
                "открытие центра диагностики",
                "профилактику инфекций",
            ],
            "unit": ["коек", "пациентов", "доз вакцины", "врачей"],
            "noun": ["больница", "поликлиника", "вакцина", "медпункт"],
        },
        "farming": {
            "obj": [
                "посевную кампанию",
                "восстановление оросительных каналов",
                "сбор урожая пшеницы",
                "закупку семян",
                "субсидирование фермеров",
                "строительство теплиц",
            ],
            "unit": ["гектаров", "тонн зерна", "голов скота", "кубометров воды"],
            "noun": ["урожай", "канал", "теплица", "пастбище"],
        },
        "schools": {
            "obj": [
                "строительство новых школ",
                "ремонт детских садов",
                "переход на новые учебники",
                "повышение зарплат учителям",
                "оснащение компьютерных классов",
                "подготовку к учебному году",
            ],
            "unit": ["ученических мест", "школ", "учителей", "учебников"],
            "noun": ["школа", "детсад", "лицей", "колледж"],
        },
        "digital": {
            "obj": [
                "перевод госуслуг в онлайн",
                "запуск электронных платежей",
                "подключение сел к интернету",
                "создание единого реестра",
                "внедрение цифровых паспортов",
                "защиту персональных данных",
            ],
            "unit": ["услуг", "пользователей", "сел", "терминалов"],
            "noun": ["портал", "реестр", "приложение", "платформа"],
        },
        "banking": {
            "obj": [
                "снижение учетной ставки",
                "выпуск государственных облигаций",
                "льготное кредитование",
                "борьбу с инфляцией",
                "выдачу ипотечных кредитов",
                "развитие исламского финансирования",
            ],
            "unit": ["миллиардов сомов", "процентов годовых", "кредитов", "вкладчиков"],
            "noun": ["ставка", "кредит", "депозит", "облигация"],
        },
    },
    templates=[
        "{who} сообщил, что {obj} начнется {place_loc} в {month}.",
        "По словам {who_gen}, на {obj} выделено {num} {unit}.",
        "{org} планирует завершить {obj} до конца года.",
        "Ранее сообщалось, что {obj} откладывали из-за нехватки средств.",
        "{place_loc} на эти цели направят еще {num} {unit}, уточнили в ведомстве.",
        "Как отметил {who}, ситуация остается под контролем.",
        "В прошлом году {org} потратило на {obj} около {num} {unit}.",
        "Жители жалуются, что {noun} в районе не обновлялась много лет.",
        "{who} поручил ускорить {obj} и отчитаться к {day} {month}.",
        "Эксперты считают, что {obj} позволит сократить расходы на {pct} процентов.",
        "На совещании {place_loc} обсудили {obj} и сроки работ.",
        "По данным ведомства, за {day} месяцев показатель вырос на {pct} процентов.",
        "{org} объявило тендер на {obj} с бюджетом {num} {unit}.",
        "В ведомстве подчеркнули, что {obj} идет по графику.",
        "Проект также предусматривает {obj} в {num} населенных пунктах.",
        "Местные власти рассчитывают привлечь к работам {num} подрядчиков.",
        "{who} напомнил, что {obj} входит в государственную программу.",
        "Из-за погодных условий {obj} пришлось приостановить на {day} дней.",
        "Финансирование обеспечит {org} совместно с международными партнерами.",
        "В результате {noun} сможет принимать на {pct} процентов больше нагрузки.",
        "Общественники призвали сделать {obj} прозрачным и публичным.",
        "Следующий этап работ намечен на {month} следующего года.",
        "{place_loc} уже выполнено {pct} процентов запланированного объема.",
        "По оценке {who_gen}, {obj} окупится за {day} лет.",
    ],
    leads=[
        "{place_loc} {who} объявил о старте проекта, который включает {obj} и {obj2}.",
        "{org} утвердило план на {month}: в приоритете {obj} {place_loc}.",
        "{who} {place_loc} провел совещание, посвященное теме {noun_topic}: речь шла про {obj}.",
        "Правительство одобрило {obj}, на который потребуется {num} {unit}, пишет пресс-служба.",
        "{place_loc} с {day} числа стартует {obj}; об этом рассказал {who}.",
        "Жители района впервые за {day} лет увидят {obj}, пообещал {who}.",
        "Власти пересмотрели сроки: {obj} {place_loc} перенесли на {month}.",
        "{who} раскритиковал подрядчиков, которые сорвали {obj} {place_loc}.",
    ],
    months=[
        "январе",
        "феврале",
        "марте",
        "апреле",
        "мае",
        "июне",
        "июле",
        "августе",
        "сентябре",
        "октябре",
        "ноябре",
        "декабре",
    ],
    read_more="Подробнее читайте на сайте {source}.",
    source="Источник: {source}",
)

EN = Lang(
    code="en",
    people=[
        (p, p)
        for p in [
            "Energy Minister Talant Zholdoshbekov",
            "Economy Minister Azamat Beknazarov",
            "Deputy Prime Minister Nurlan Sydykov",
            "city mayor Erlan Tulegenov",
            "regional governor Bakhtiyor Rakhimov",
            "board chairman Farrukh Nazarov",
            "MP Ermek Abdykerimov",
            "Health Minister Kairat Musaev",
            "agency director Alisher Karimov",
            "Transport Minister Davron Saidov",
            "committee head Serik Zhumabayev",
            "mayor Bakyt Osmonov",
        ]
    ],
    places=[
        (p, f"in {p}", p.upper())
        for p in [
            "Bishkek",
            "Osh",
            "Almaty",
            "Astana",
            "Tashkent",
            "Samarkand",
            "Dushanbe",
            "Khujand",
            "Naryn",
            "Karakol",
            "Shymkent",
            "Namangan",
            "Talas",
            "Aktobe",
            "Bokhtar",
        ]
    ],
    orgs=[
        "the Energy Ministry",
        "the National Bank",
        "the Transport Ministry",
        "the Tax Service",
        "the Agriculture Ministry",
        "the Statistics Agency",
        "the Health Ministry",
        "the Customs Service",
        "the Education Ministry",
        "the Development Fund",
        "the Digital Ministry",
    ],
    topics={
        "energy": {
            "obj": [
                "building a new substation",
                "repairing power lines",
                "launching a small hydropower plant",
                "replacing old transformers",
                "upgrading the heating plant",
                "connecting new consumers",
            ],
            "unit": ["megawatts", "kilometres of lines", "kilowatt-hours", "substations"],
            "noun": [
                "the power grid",
                "the substation",
                "the hydropower plant",
                "the boiler house",
            ],
        },
        "roads": {
            "obj": [
                "rebuilding a section of the highway",
                "building a new bridge",
                "repaving the road",
                "installing traffic lights",
                "widening the ring road",
                "opening a bypass road",
            ],
            "unit": ["kilometres of road", "bridges", "junctions", "bus stops"],
            "noun": ["the highway", "the bridge", "the junction", "the road"],
        },
        "trade": {
            "obj": [
                "exporting farm produce",
                "opening a new trade corridor",
                "cutting customs duties",
                "opening a logistics hub",
                "shipping cotton fibre",
                "simplifying border procedures",
            ],
            "unit": ["tonnes of cargo", "million dollars", "containers", "rail cars"],
            "noun": ["trade turnover", "the export market", "the terminal", "the corridor"],
        },
        "health": {
            "obj": [
                "vaccinating children",
                "building a district hospital",
                "buying medical equipment",
                "training family doctors",
                "opening a diagnostic centre",
                "preventing infections",
            ],
            "unit": ["beds", "patients", "vaccine doses", "doctors"],
            "noun": ["the hospital", "the clinic", "the vaccine", "the health post"],
        },
        "farming": {
            "obj": [
                "the sowing campaign",
                "restoring irrigation canals",
                "harvesting wheat",
                "buying seeds",
                "subsidising farmers",
                "building greenhouses",
            ],
            "unit": ["hectares", "tonnes of grain", "head of cattle", "cubic metres of water"],
            "noun": ["the harvest", "the canal", "the greenhouse", "the pasture"],
        },
        "schools": {
            "obj": [
                "building new schools",
                "repairing kindergartens",
                "switching to new textbooks",
                "raising teachers' pay",
                "equipping computer classes",
                "preparing for the school year",
            ],
            "unit": ["school places", "schools", "teachers", "textbooks"],
            "noun": ["the school", "the kindergarten", "the lyceum", "the college"],
        },
        "digital": {
            "obj": [
                "moving public services online",
                "launching electronic payments",
                "connecting villages to the internet",
                "creating a single register",
                "introducing digital passports",
                "protecting personal data",
            ],
            "unit": ["services", "users", "villages", "terminals"],
            "noun": ["the portal", "the register", "the app", "the platform"],
        },
        "banking": {
            "obj": [
                "cutting the policy rate",
                "issuing government bonds",
                "subsidised lending",
                "fighting inflation",
                "issuing mortgages",
                "developing Islamic finance",
            ],
            "unit": ["billion soms", "percent a year", "loans", "depositors"],
            "noun": ["the rate", "the loan", "the deposit", "the bond"],
        },
    },
    templates=[
        "{who} said that {obj} would start {place_loc} in {month}.",
        "According to {who_gen}, {num} {unit} have been allocated for {obj}.",
        "{org_cap} plans to finish {obj} by the end of the year.",
        "It was reported earlier that {obj} had been delayed for lack of money.",
        "Another {num} {unit} will go to these needs {place_loc}, the agency said.",
        "As {who} noted, the situation remains under control.",
        "Last year {org} spent about {num} {unit} on {obj}.",
        "Residents complain that {noun} in the district has not been upgraded for years.",
        "{who_cap} ordered officials to speed up {obj} and report back by {month} {day}.",
        "Experts believe that {obj} will cut costs by {pct} percent.",
        "A meeting {place_loc} discussed {obj} and the timetable of the work.",
        "According to the agency, the figure grew by {pct} percent in {day} months.",
        "{org_cap} has announced a tender for {obj} worth {num} {unit}.",
        "The agency stressed that {obj} is on schedule.",
        "The project also includes {obj} in {num} settlements.",
        "Local authorities hope to bring in {num} contractors for the work.",
        "{who_cap} recalled that {obj} is part of the state programme.",
        "Because of the weather, {obj} had to be suspended for {day} days.",
        "Funding will come from {org} together with international partners.",
        "As a result, {noun} will be able to take {pct} percent more load.",
        "Activists called for {obj} to be transparent and public.",
        "The next stage of the work is planned for {month} next year.",
        "{pct} percent of the planned work has already been done {place_loc}.",
        "{who_cap} estimates that {obj} will pay for itself in {day} years.",
    ],
    leads=[
        "{who_cap} announced {place_loc} the start of a project that covers {obj} and {obj2}.",
        "{org_cap} approved its plan for {month}: {obj} {place_loc} comes first.",
        "{who_cap} held a meeting {place_loc} on {noun_topic}, focusing on {obj}.",
        "The government has approved {obj}, which will need {num} {unit}, its press office said.",
        "Starting on the {day}th, {obj} gets under way {place_loc}, {who} told reporters.",
        "For the first time in {day} years residents will see {obj}, {who} promised.",
        "The authorities have moved the deadline: {obj} {place_loc} is now due in {month}.",
        "{who_cap} criticised the contractors who failed to deliver {obj} {place_loc}.",
    ],
    months=[
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    read_more="Read more on {source}.",
    source="Source: {source}",
)

LANGS = {"ru": RU, "en": EN}


@dataclass(frozen=True)
class Outlet:
    """An outlet's name and its boilerplate."""

    id: str
    name: str
    header: tuple[str, ...]  # lines before the body
    footer: tuple[str, ...]  # lines after the body


OUTLETS = [
    Outlet("kabar", "Kabar", (), ("Подписывайтесь на наш канал в Telegram.",)),
    Outlet("akipress", "AKIpress", ("AKIpress | Новости Центральной Азии",), ()),
    Outlet(
        "24kg",
        "24.kg",
        ("24.kg — новости Кыргызстана",),
        ("При перепечатке материалов ссылка на 24.kg обязательна.",),
    ),
    Outlet(
        "kaktus",
        "Kaktus.media",
        (),
        ("Хотите первыми узнавать новости? Подпишитесь на нас.", "Фото: пресс-служба"),
    ),
    Outlet("kun", "Kun.uz", ("Kun.uz",), ("Kun.uz in Telegram: all the news first.",)),
    Outlet("asiaplus", "Asia-Plus", (), ("Follow Asia-Plus on social media.",)),
    Outlet("tengri", "Tengrinews", ("Tengrinews.kz",), ()),
    Outlet("inform", "Kazinform", (), ("Kazinform. All rights reserved.",)),
]
# The outlet whose long footer the "footer" hard negatives share.
FOOTER_OUTLET = Outlet(
    "cabar",
    "CABAR.asia",
    (),
    (
        "Этот материал подготовлен в рамках проекта, который реализуется при поддержке донорской "
        "организации. Мнения, изложенные в публикации, не обязательно отражают позицию донора или "
        "редакции, и редакция не несет ответственности за содержание комментариев экспертов и "
        "приглашенных авторов, опубликованных на сайте в разделе аналитики и мнений.",
        "This material was prepared within a project supported by a donor organisation. The views "
        "expressed in it do not necessarily reflect the position of the donor or of the editorial "
        "board, which is not responsible for the comments of the experts and guest authors that "
        "are "
        "published in the analysis and opinion section of the website.",
    ),
)


class Writer:
    """Writes stories and their copies from a seeded random generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    # -- stories ---------------------------------------------------------------------------

    def story(
        self,
        lang: Lang,
        topic: str | None = None,
        cast: tuple | None = None,
        sentences: tuple[int, int] = (5, 18),
    ) -> list[list[str]]:
        """A story: paragraphs of sentences on one topic with one cast of people and places."""
        rng = self.rng
        topic = topic or rng.choice(sorted(lang.topics))
        cast = cast or self.cast(lang)
        count = rng.randint(*sentences)
        lead = self.fill(lang, rng.choice(lang.leads), topic, cast)
        body = [
            self.fill(lang, t, topic, cast)
            for t in rng.sample(lang.templates, min(count - 1, len(lang.templates)))
        ]
        sentences_ = [lead, *body]
        paragraphs, i = [], 0
        while i < len(sentences_):
            size = rng.randint(1, 3)
            paragraphs.append(sentences_[i : i + size])
            i += size
        return paragraphs

    def cast(self, lang: Lang) -> tuple:
        rng = self.rng
        return (rng.sample(lang.people, 2), rng.sample(lang.places, 2), rng.choice(lang.orgs))

    def fill(self, lang: Lang, template: str, topic: str, cast: tuple) -> str:
        rng = self.rng
        people, places, org = cast
        person = rng.choice(people)
        words = lang.topics[topic]
        objects = rng.sample(words["obj"], 2)
        text = template.format(
            who=person[0],
            who_gen=person[1],
            who_cap=person[0][0].upper() + person[0][1:],
            place_loc=rng.choice(places)[1],
            org=org,
            org_cap=org[0].upper() + org[1:],
            obj=objects[0],
            obj2=objects[1],
            unit=rng.choice(words["unit"]),
            noun=rng.choice(words["noun"]),
            noun_topic=rng.choice(words["noun"]),
            num=rng.choice([rng.randint(2, 99), rng.randint(100, 999), rng.randint(1000, 9000)]),
            pct=rng.randint(3, 60),
            day=rng.randint(2, 28),
            month=rng.choice(lang.months),
        )
        return text[0].upper() + text[1:]

    # -- copies ----------------------------------------------------------------------------

    def dateline(self, lang: Lang, place: tuple, outlet: Outlet, when: float) -> str:
        day = int((when - START) // DAY) % 28 + 1
        month = lang.months[int((when - START) // (30 * DAY)) % 12][:3]
        if lang.code == "ru":
            return f"{place[2]}, {day} {month.lower()} — {outlet.name}."
        return f"{place[2]}, {month} {day} ({outlet.name}) -"

    def typography(self, text: str) -> str:
        """Quotes, dashes, ё, no-break spaces and case, as another outlet's CMS would set them."""
        rng = self.rng
        swaps = [
            ("«", '"'),
            ("»", '"'),
            (" — ", " - "),
            ("е", "ё"),
            (" ", "\u00a0"),
            ("'", "’"),
            ("-", "‑"),
        ]
        for old, new in rng.sample(swaps, 3):
            if old == "е":
                text = text.replace("ее", "её")
            elif old == " ":
                text = text.replace(" ", new, rng.randint(1, 5))
            else:
                text = text.replace(old, new)
        if rng.random() < 0.2:
            first, _, rest = text.partition("\n")
            text = first.upper() + "\n" + rest if rest else first.upper()
        return text

    def edit(
        self, lang: Lang, paragraphs: list[list[str]], topic: str, cast: tuple
    ) -> list[list[str]]:
        """Drop and change one sentence in ten or so (one at least), maybe swap two paragraphs."""
        rng = self.rng
        paragraphs = [list(p) for p in paragraphs]
        edits = max(1, round(sum(map(len, paragraphs)) * rng.uniform(0.05, 0.2)))
        spots = _sentences(paragraphs)
        for i, j in sorted(rng.sample(spots, min(len(spots), edits)), reverse=True):
            del paragraphs[i][j]
        spots = _sentences(paragraphs)
        for i, j in rng.sample(spots, min(len(spots), edits)):
            paragraphs[i][j] = self.fill(lang, rng.choice(lang.templates), topic, cast)
        paragraphs = [p for p in paragraphs if p]
        if len(paragraphs) > 3 and rng.random() < 0.6:
            i, j = rng.sample(range(1, len(paragraphs)), 2)
            paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
        return paragraphs


def _sentences(paragraphs: list[list[str]]) -> list[tuple[int, int]]:
    """(paragraph, sentence) of every sentence but the lead."""
    return [(i, j) for i, p in enumerate(paragraphs) for j in range(len(p)) if (i, j) != (0, 0)]


def _text(paragraphs: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paragraphs)


def _excerpt(paragraphs: list[list[str]], share: float) -> list[list[str]]:
    """The first ``share`` of the story's words, cut at a sentence end."""
    total = sum(len(s.split()) for p in paragraphs for s in p)
    out, words = [], 0
    for p in paragraphs:
        kept = []
        for sentence in p:
            if words >= share * total:
                break
            kept.append(sentence)
            words += len(sentence.split())
        if kept:
            out.append(kept)
        if words >= share * total:
            break
    return out


def generate(
    stories: int = 400, seed: int = 7, hard_negatives: bool = True, copies: int = 4
) -> list[dict]:
    """Generate the labelled records, in publication order.

    Args:
        stories: number of original stories (about 2.3 records each come out, negatives included).
        seed: the random seed; the same seed gives the same set.
        hard_negatives: add the footer, topic, short and digest cases.
        copies: at most this many copies of a copied story (1 to ``copies``, uniformly); large
            values make the clusters of wire stories that many outlets reprint.

    Returns:
        Records with ``id``, ``outlet``, ``title``, ``text``, ``published`` (epoch seconds),
        ``label`` (the true cluster) and ``case``.
    """
    w = Writer(seed)
    rng = w.rng
    records: list[dict] = []
    span = max(30.0, stories / 15) * DAY

    def add(label: str, case: str, outlet: Outlet, when: float, text: str, title: str) -> None:
        records.append(
            {
                "id": f"{case}-{len(records):06d}",
                "outlet": outlet.id,
                "title": title,
                "text": text,
                "published": when,
                "label": label,
                "case": case,
            }
        )

    originals = []
    for n in range(stories):
        lang = LANGS["ru" if rng.random() < 0.6 else "en"]
        topic = rng.choice(sorted(lang.topics))
        cast = w.cast(lang)
        paragraphs = w.story(lang, topic, cast)
        outlet = rng.choice(OUTLETS)
        when = START + rng.random() * span
        label = f"s{n}"
        body = "\n\n".join([*outlet.header, _text(paragraphs), *outlet.footer])
        title = w.fill(lang, rng.choice(lang.leads), topic, cast)[:80]
        add(label, "original", outlet, when, body, title)
        originals.append((lang, topic, cast, paragraphs, outlet, when))
        if rng.random() < 0.35:
            continue  # a story nobody copied
        for _ in range(rng.randint(1, copies)):
            other = rng.choice([o for o in OUTLETS if o is not outlet])
            later = when + rng.uniform(-0.1, 2.0) * DAY  # sometimes the copy is seen first
            kind = rng.choices(["syndicated", "excerpt", "edited", "typography"], [4, 3, 3, 1])[0]
            place = cast[1][0]
            if kind == "syndicated":
                parts = [
                    *other.header,
                    w.dateline(lang, place, outlet, when) + " " + _text(paragraphs),
                    lang.source.format(source=outlet.name),
                    *other.footer,
                ]
                text = "\n\n".join(parts)
                if rng.random() < 0.5:
                    text = w.typography(text)
            elif kind == "excerpt":
                part = _excerpt(paragraphs, rng.uniform(0.3, 0.7))
                text = "\n\n".join(
                    [
                        *other.header[: rng.randint(0, 1)],
                        _text(part),
                        lang.read_more.format(source=outlet.name),
                    ]
                )
            elif kind == "edited":
                text = "\n\n".join(
                    [*other.header, _text(w.edit(lang, paragraphs, topic, cast)), *other.footer]
                )
                if rng.random() < 0.3:
                    text = w.typography(text)
            else:
                text = w.typography("\n\n".join([*other.header, _text(paragraphs)]))
            title = w.fill(lang, rng.choice(lang.leads), topic, cast)[:80]
            add(label, kind, other, later, text, title)

    if hard_negatives:
        _negatives(w, stories, span, originals, add)
    records.sort(key=lambda r: (r["published"], r["id"]))
    return records


def _negatives(w: Writer, stories: int, span: float, originals: list, add) -> None:
    rng = w.rng
    # different stories of one outlet sharing its long footer; short stories make it dominate
    for n in range(max(10, stories // 4)):
        lang = LANGS[rng.choice(["ru", "en"])]
        paragraphs = w.story(lang, sentences=(3, 6))
        footer = FOOTER_OUTLET.footer[0 if lang.code == "ru" else 1]
        add(
            f"footer{n}",
            "footer",
            FOOTER_OUTLET,
            START + rng.random() * span,
            _text(paragraphs) + "\n\n" + footer,
            "",
        )
    # different stories on one topic with the same cast, a few days apart; a follow-up often
    # repeats one background paragraph of the story before it
    for n in range(max(4, stories // 20)):
        lang = LANGS[rng.choice(["ru", "en"])]
        topic, cast = rng.choice(sorted(lang.topics)), w.cast(lang)
        when = START + rng.random() * span
        previous: list[list[str]] = []
        for k in range(rng.randint(3, 5)):
            paragraphs = w.story(lang, topic, cast)
            if len(previous) > 1 and rng.random() < 0.6:
                paragraphs.insert(rng.randint(1, len(paragraphs)), rng.choice(previous[1:]))
            add(
                f"topic{n}-{k}",
                "topic",
                rng.choice(OUTLETS),
                when + k * rng.uniform(0.2, 2) * DAY,
                _text(paragraphs),
                "",
            )
            previous = paragraphs
    # very short template texts: one number or place differs
    for n in range(max(10, stories // 4)):
        when = START + rng.random() * span
        rate = rng.uniform(80, 95)
        day = rng.randint(1, 28)
        city = rng.choice(RU.places)
        text = rng.choice(
            [
                f"Национальный банк установил учетный курс доллара на {day} число на уровне "
                f"{rate:.2f} сома.",
                f"Курс доллара на {day} января составил {rate:.2f} сома, сообщает Национальный "
                "банк.",
                f"{city[1][0].upper()}{city[1][1:]} {day} числа ожидается до "
                f"{rng.randint(-15, 35)} градусов тепла, без осадков.",
                f"The National Bank set the dollar rate for the {day}th at {rate:.2f} soms.",
            ]
        )
        outlet = rng.choice(OUTLETS)
        add(f"short{n}", "short", outlet, when, text, "")
        if rng.random() < 0.2:  # the same brief, syndicated: must still match
            add(f"short{n}", "short-copy", rng.choice(OUTLETS), when + 600, text, "")
    # digests quoting the leads of two unrelated stories
    for n in range(max(3, stories // 40)):
        (lang, _, _, first, _, when), (_, _, _, second, _, _) = rng.sample(originals, 2)
        text = "\n\n".join([" ".join(first[0]), " ".join(second[0])])
        add(f"digest{n}", "digest", rng.choice(OUTLETS), when + DAY, text, "")


def evaluate(records: list[dict], cfg: DedupConfig) -> dict:
    """Cluster ``records`` in order with ``Clusterer`` and score the result against the labels.

    Returns:
        ``bcubed`` and ``pairwise`` (precision, recall, f1), ``cases`` (per case: records,
        BCubed precision and recall averaged over its records) and ``clusters`` (id -> cluster).
    """
    clusterer = Clusterer(cfg)
    predicted = {}
    for r in records:
        doc = Doc(r["id"], r["outlet"], r["published"])
        predicted[r["id"]] = clusterer.add(doc, signature(r["text"], cfg)).cluster
    # a merge renames clusters: score the final clusters
    final = {doc_id: clusterer.resolve(cluster) for doc_id, cluster in predicted.items()}
    gold = {r["id"]: r["label"] for r in records}
    members: dict[str, set] = {}
    for doc_id, cluster in final.items():
        members.setdefault(cluster, set()).add(doc_id)
    truth: dict[str, set] = {}
    for doc_id, label in gold.items():
        truth.setdefault(label, set()).add(doc_id)
    cases: dict[str, list] = {}
    for r in records:
        mine, theirs = members[final[r["id"]]], truth[r["label"]]
        both = len(mine & theirs)
        cases.setdefault(r["case"], []).append((both / len(mine), both / len(theirs)))
    return {
        "bcubed": bcubed(final, gold)._asdict(),
        "pairwise": pairwise(final, gold)._asdict(),
        "cases": {
            case: {
                "records": len(v),
                "precision": sum(p for p, _ in v) / len(v),
                "recall": sum(r for _, r in v) / len(v),
            }
            for case, v in cases.items()
        },
        "clusters": final,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jsonl", action="store_true", help="print JSON lines (all fields)")
    args = parser.parse_args()
    for record in generate(args.stories, args.seed):
        if args.jsonl:
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(f"== {record['id']} {record['outlet']} label={record['label']}")
            print(record["text"] + "\n")


if __name__ == "__main__":
    main()
