"""Realistic guest names for the seeded benchmark chain: seven in ten Russian, written in Cyrillic (surnames in
their feminine form for women), three in ten English, chosen from the guest's number so every run seeds the same
names. Guest search (bench.guest_search) needs a name distribution like a real chain's: frequent surnames that
share trigrams (Ivanov, Ivanova, Ivashov), not one name for everybody."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


RUSSIAN_MALE = _words(
    "Александр Алексей Андрей Антон Артём Борис Вадим Василий Виктор Владимир Дмитрий Евгений Егор Иван Игорь "
    "Илья Кирилл Константин Максим Михаил Никита Николай Олег Павел Пётр Роман Сергей Степан Юрий Ярослав"
)
RUSSIAN_FEMALE = _words(
    "Александра Алёна Алина Анастасия Анна Валентина Валерия Вера Виктория Галина Дарья Екатерина Елена "
    "Елизавета Ирина Ксения Любовь Людмила Маргарита Марина Мария Наталья Ольга Полина Светлана София Татьяна "
    "Ульяна Юлия Яна"
)
# Surnames in the masculine form; the feminine adds "а" (Иванов → Иванова), except those ending in -ий/-ой.
RUSSIAN_SURNAMES = _words(
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев "
    "Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев Соловьёв "
    "Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв "
    "Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов "
    "Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов "
    "Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов "
    "Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов "
    "Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников "
    "Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов "
    "Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Еремин Тихомиров "
    "Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов Князев Цветков Левин "
    "Митрофанов Воронов Аксёнов Софронов Мальцев Логинов Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков "
    "Сафонов Плотников Демин Хохлов Жданов Островский Тобольский Вяземский Шуйский Толстой Трубецкой"
)
ENGLISH_FIRST = _words(
    "James John Robert Michael William David Richard Joseph Thomas Charles Mary Patricia Jennifer Linda Elizabeth "
    "Barbara Susan Jessica Sarah Karen Emma Olivia Noah Liam Oliver Sophia Amelia Harry George Jack"
)
ENGLISH_LAST = _words(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson Thompson "
    "White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Green Baker Adams Nelson Hill Campbell "
    "Mitchell Roberts Carter Phillips Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan "
    "Cooper Peterson Bailey Reed Kelly Howard Cox Ward Richardson Watson Brooks Wood James Bennett Gray Hughes "
    "Price Sanders Myers Long Ross Foster Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson "
    "Barnes Fisher Vasquez Simmons Graham Marshall Owens Harrison Gibson Wallace Webb Tucker Porter Hunter Hicks "
    "Crawford Henry Boyd Mason Kennedy Warren Dixon Burns Gordon Shaw Holmes Rice Robertson Hunt Black Daniels "
    "Palmer Mills Nichols Grant Knight Ferguson Stone Hawkins Dunn Perkins Hudson Spencer Gardner Stephens Payne "
    "Pierce Berry Matthews Arnold Wagner Willis Ray Watkins Olson Carroll Duncan Snyder Hart Cunningham Bradley "
    "Lane Andrews Ruiz Harper Fox Riley Armstrong Carpenter Weaver Greene Lawrence Elliott Chavez Sims Austin"
)


_MASK = (1 << 64) - 1


def _mix(number: int, salt: int) -> int:
    """A well spread integer from the guest's number and a salt (SplitMix64's finaliser)."""
    value = (number * 0x9E3779B97F4A7C15 + salt * 0xD1B54A32D192ED03) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def feminine(surname: str) -> str:
    if surname.endswith("ий"):
        return surname[:-2] + "ая"
    if surname.endswith("ой"):
        return surname[:-2] + "ая"
    return surname + "а"


def guest_name(number: int) -> tuple[str, str]:
    """(first name, last name) of seeded guest `number`."""
    if _mix(number, 1) % 10 < 7:
        surname = RUSSIAN_SURNAMES[_mix(number, 2) % len(RUSSIAN_SURNAMES)]
        if _mix(number, 3) % 2:
            return RUSSIAN_FEMALE[_mix(number, 4) % len(RUSSIAN_FEMALE)], feminine(surname)
        return RUSSIAN_MALE[_mix(number, 4) % len(RUSSIAN_MALE)], surname
    return ENGLISH_FIRST[_mix(number, 5) % len(ENGLISH_FIRST)], ENGLISH_LAST[_mix(number, 6) % len(ENGLISH_LAST)]
