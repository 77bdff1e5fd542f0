"""English solicit families found missing by the tr7/tr8 blind sets (round 5): paying or trading
outside the platform, platforms named by colour or logo, the app itself proposed ("let's just use
X", "X instead?"), asks with "a/an" rather than "your", groups made elsewhere or handed out in
private, another server offered with "want in?", and requests quoted in rules, warnings and
complaints (which must stay clean).

Rows were written for these tests (not copied from a corpus or a probe batch); each family has its
hard negatives next to it: the same words in the shop's own checkout, in a game, refused, warned
about, or quoted.
"""

from __future__ import annotations

from tests.detect.family_checks import DETECTOR, solicit_table_tests

POSITIVES: list[tuple[str, str]] = [
    ("payment app as the verb", "revolut me the 25 and it's yours"),
    ("payment app as the verb", "cash app me when u get paid, i'll hold it"),
    ("payment handle asked", "drop your zelle and i'll pay tonight"),
    ("payment handle asked", "what's ur venmo, splitting the order"),
    ("paid directly", "you could just pay us directly, no middle step"),
    ("paid directly", "i'll pay u in crypto if you skip the listing"),
    ("fee skipped, way round", "avoid the platform cut, i'll send it directly"),
    ("fee skipped, way round", "grab it on my depop instead, no commission for the site"),
    ("deal outside the site", "let's trade off the marketplace, i'll knock 5 off"),
    ("deal outside the site", "i'd buy from you directly outside the site"),
    ("nickname by colour or logo", "msg me on the yellow app tonight"),
    ("nickname by colour or logo", "can we carry this over to the plane app?"),
    ("nickname by colour or logo", "we can do the swap on the tele side"),
    ("the app itself proposed", "let's all just use telegram"),
    ("the app itself proposed", "i'm happy to hop on signal instead"),
    ("the app itself proposed", "why don't we switch to whatsapp?"),
    ("a move as a question", "wechat instead?"),
    ("a move as a question", "so... migrate to kik?"),
    ("a/an instead of your", "r u ok with giving a cell number?"),
    ("a/an instead of your", "could you give me a number where i could call you"),
    ("a/an instead of your", "give me some way to reach u after the event"),
    ("offer asked first", "may i dm you my email? rather not post it"),
    ("need yours", "all i need is your email and we're set"),
    ("group elsewhere", "somebody should make a kik group before this place shuts"),
    ("group elsewhere", "we need a groupchat elsewhere, this server's dying"),
    ("group handed out in private", "there's a wechat group for regulars, ask me for the invite"),
    ("another server, want in?", "this place got toxic, some of us built a calmer one, interested?"),
    ("an app outside the kind list", "got imessage? easier than this"),
    ("preferred, then yours asked", "we only use signal for this, do u have it?"),
    ("reason given, not a refusal", "ur kik? i don't wanna type it here"),
    ("reason given, not a refusal", "start a gc on snap so we don't lose touch"),
]

NEGATIVES: list[tuple[str, str]] = [
    ("payment word in passing", "my venmo app keeps crashing"),
    ("payment word in passing", "does the bot shop accept paypal?"),
    ("payment warned about", "never zelle anyone from here, it's always a scam"),
    ("payment warned about", "psa: anyone who wants you to pay them directly is a scammer"),
    ("shop's own checkout", "you can pay with paypal at checkout on the site"),
    ("fee skipped, no way round", "the yearly plan lets you skip the fee"),
    ("deal outside, refused", "don't trade outside the marketplace, no refunds"),
    ("nickname in passing", "saw that clip on the blue app lol"),
    ("nickname in passing", "the green app icon looks weird after the update"),
    ("a game's words", "let's use line 4 to flank"),
    ("a game's words", "should we use the signal flare now?"),
    ("broadcast apps", "let's use twitter to announce the tourney"),
    ("in-server asks", "is there any way i can change my nickname?"),
    ("in-server asks", "dm me privately if the bot breaks"),
    ("in-server groups", "someone should make a thread for the raid in this server"),
    ("in-server groups", "we could set up a gc elsewhere on this server"),
    ("a server's news", "the server got a new one-time event, want in?"),
    ("an app question", "linkedin is down again?"),
    ("quoted in a rule", "rule 3: no 'what's your snap' messages, you'll get muted"),
    ("quoted in a complaint", "someone sent 'add me on kik' to half the server, reported"),
    ("quoted in a story", 'she said "text me later" and never did'),
    ("preferred, no ask", "i prefer telegram over whatsapp for the family chat"),
]


test_solicit_family_is_found, test_hard_negative_stays_clean = solicit_table_tests(POSITIVES, NEGATIVES)


def test_a_bare_line_instead_is_left_alone_by_the_rules() -> None:
    # "line instead?" alone: a queue, or LINE? The rules leave the ambiguous question alone; the
    # learned model reads it as LINE, and its verdict alone goes to the moderators for review.
    assert DETECTOR.scan("line instead?", model=False) == []
