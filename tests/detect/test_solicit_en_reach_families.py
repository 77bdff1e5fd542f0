"""English solicit families without an identifier, found missing by blind-written sets and the
writer's own probes: slang "reach me there" verbs, open DMs on another platform, another server
with its link handed over in private, asking whether someone is on a platform, "I'm on X" offers,
the place to reach the writer, moves with more words between the verb and the platform.

The constructions run on their own words and take the platform vocabulary vars as they are, so
a nickname added there is accepted by every row's construction. Rows were written for these tests
(not copied from a probe batch or corpus); each family has hard negatives: the same words in-server,
in a game, as a queue or a feature question, refused or warned about.
"""

from __future__ import annotations

import pytest

from tests.detect.family_checks import assert_clean, assert_solicits

POSITIVES: list[tuple[str, str]] = [
    ("slang reach-me verb", "hmu over on snap after 9"),
    ("slang reach-me verb", "holla at me on whatsapp when u land"),
    ("slang reach-me verb", "hit us up on telegram for the group orders"),
    ("slang reach-me verb", "catch me on tiktok, i'm there more"),
    ("slang reach-me verb", "slide into my dms on kik"),
    ("platform as the place hit", "hit up my snap later"),
    ("platform as the place hit", "slide in my insta dms if u want the pics"),
    ("open dms elsewhere", "wechat dms are always open 🙂"),
    ("open dms elsewhere", "telegram's open if anybody needs to talk"),
    ("open dms elsewhere", "i keep open dms on insta, come say hi"),
    ("open dms elsewhere", "my whatsapp is open, just saying"),
    ("another server, link in private", "this place is dead, i started another one, dm me for the invite"),
    ("another server, link in private", "we have a separate discord for the art trades, i can add you"),
    ("another server, link in private", "this server is dying, made a new one, pm me for the link"),
    ("on a platform? with a wish", "anybody here on kik? wanna chat"),
    ("on a platform? with a wish", "is anyone on telegram? need friends lol"),
    ("on a platform? with a wish", "lemme know if u use signal"),
    ("on a platform? with a wish", "got an acc on insta? i'd follow"),
    ("on a platform? with a wish", "do you use wechat by any chance?"),
    ("on a platform? with a wish", "what messaging app do u use the most? we could move there"),
    ("I'm on X", "im on kik if ur bored tonight"),
    ("I'm on X", "if anyone wants to vent, i'm on snap"),
    ("I'm on X", "i'll be on telegram later, message me there"),
    ("the place to reach me", "quickest way to reach me is whatsapp"),
    ("the place to reach me", "you can get me by email whenever"),
    ("the place to reach me", "same @ on twitter, follow me"),
    ("the app to get for it", "install telegram so we can talk properly"),
    ("moves with more words", "we could video chat on whatsapp tonight"),
    ("moves with more words", "i'd rather talk about it on signal"),
    ("moves with more words", "let's keep it going on snap"),
    ("moves with more words", "we should follow each other on tiktok"),
    ("moves with more words", "would it be simpler to go over the terms on signal?"),
    ("moves with more words", "can we keep talking over email"),
    ("not on Discord, as the reason", "add me on snap, i barely check discord"),
    ("not on Discord, as the reason", "i'm hardly ever here, dm me on insta"),
    ("offers with the thing sent", "i could send u a vn on whatsapp later"),
    ("a group about to be made", "we should start a whatsapp gc for the trip"),
    ("connection made there", "i just followed u on insta, follow back"),
    ("connection made there", "accept my follow req on tiktok"),
    ("a channel preferred, yours asked", "telegram works better for me, what's yours?"),
    ("lone platform after an interjection", "psst. wechat?"),
    ("friends there", "let's be twitter mutuals"),
    ("who / any of you, with the wish", "who's got kik? add me lol"),
    ("who / any of you, with the wish", "any of u guys on snap?"),
    ("moved over e-mail / text", "could we carry on over e-mail? i'm hardly on here"),
    ("moved over e-mail / text", "happy to go over the quote by email if you prefer"),
    ("moved over e-mail / text", "can we take it to text? this app is lagging"),
    ("moved over e-mail / text", "wanna just text instead?"),
    ("a reason to leave, not a refusal", "whatsapp? i don't want to talk about it here"),
    ("an address asked for what is sent", "what email can i send the contract to?"),
    ("a personal contact asked politely", "could you provide a personal email for the paperwork?"),
    ("a personal contact offered", "i can pass you my private number later"),
    ("somewhere not Discord", "can we chat somewhere that isn't discord"),
    ("somewhere not Discord", "is there anywhere else we could talk?"),
    ("a group kept off Discord", "there's a gc outside discord for regulars, dm me"),
    ("a deal outside the platform", "i'll pay you outside the site, skip the fee"),
    ("a deal in person", "can we do the trade in person? i'm local"),
    ("meeting up", "we should grab a beer next week"),
    ("friends there", "we should totally be telegram buddies"),
    ("a call there", "let's jump on a signal call later"),
    ("a group there", "we should really just start a group chat on kik"),
    ("mixed-language swap", "can we 交換 insta?"),
    ("the way to reach you", "what's the easiest way to get in touch with you?"),
    ("come and talk there", "come hang with us on telegram"),
    ("the address to reach me at", "contact me at my school email"),
    ("carried over there", "can we take this over to kik?"),
    ("active there?", "u active on whatsapp?"),
    ("text me, the number elsewhere", "you can text me anytime, my number's pinned on my profile"),
]

NEGATIVES: list[tuple[str, str]] = [
    ("in-server reach-me", "hmu in vc after dinner"),
    ("in-server reach-me", "holla when you're back online"),
    ("in-server reach-me", "ping me in the thread if it breaks"),
    ("a queue, not LINE", "catch me in line for the drop"),
    ("online, not LINE", "im on line if anyone wants to queue"),
    ("in-server open dms", "my dms are open here if you need help with the bot"),
    ("open, not offered", "whatsapp is open source? no it isn't"),
    ("open, not offered", "the threads are open if anyone wants to post"),
    ("a game's server", "my friend has a better minecraft server, ip in the pins"),
    ("a game's server", "let's move to another server, this one lags"),
    ("a server's things", "made a new server icon, link to the artist in my bio"),
    ("feature question", "anyone use signal? is the desktop app any good"),
    ("feature question", "what app do you use for editing?"),
    ("feature question", "lmk if you have issues with the whatsapp bot"),
    ("passing mention", "i'm on twitter way too much lately"),
    ("passing mention", "i'm on whatsapp with my family all day"),
    ("passing mention", "i need to catch up on twitter drama"),
    ("passing mention", "mutuals on twitter are the best part of it"),
    ("the same words in a game", "best way to get gold is the swamp"),
    ("the same words in a game", "looking for people to raid with tonight"),
    ("the same words in a game", "download the patch so we can play"),
    ("refused or warned", "someone told me to hmu on kik, blocked them"),
    ("refused or warned", "never add people from here on snap, rule 5"),
    ("refused or warned", "don't message me on telegram, i never check it"),
    ("in-server, the same words", "i can send you the clip here in a sec"),
    ("in-server, the same words", "it'd be easier to talk in the voice channel"),
    ("a question about the app", "how do you make a whatsapp group with 300 people?"),
    ("a question about the app", "who here has tried the new snapchat ai?"),
    ("a number, not a contact", "my lucky number is 13, what's yours?"),
    ("lone platform, then a question", "yo, telegram? does it still work in russia"),
    ("a warning about who asks", "reminder: staff will never ask for your whatsapp"),
    ("a narrative", "we talked over text for hours last night"),
    ("a narrative", "i was chatting on the phone with my sister"),
    ("an address for oneself", "which email should i sign up with?"),
    ("a game trade", "trade me your duplicate cards in the trade channel"),
    ("a group on Discord", "we made a gc in this server for regulars"),
    ("friends here", "we should be friends, you're funny"),
    ("a call here", "let's jump on a call in vc"),
    ("mixed-language, an item trade", "交換 cards in the trade channel pls"),
    ("come and talk here", "come hang with us in the lounge"),
    ("an address, not mine", "meet me at the north gate after class"),
    ("active here?", "are you still active on this server?"),
]


@pytest.mark.parametrize(("family", "text"), POSITIVES)
def test_solicit_family_is_found(family: str, text: str) -> None:
    assert_solicits(text, family)


@pytest.mark.parametrize(("family", "text"), NEGATIVES)
def test_hard_negative_stays_clean(family: str, text: str) -> None:
    assert_clean(text, family)
