"""English complaint cues, and a few sentiment words TextBlob's lexicon lacks. Written by the team.

Sentiment itself is TextBlob's (MIT); `POLARITY` below only adds words its lexicon misses
("thanks", "kudos"), merged with TextBlob's polarity by the scorer.
"""

from __future__ import annotations

from functions.core.lexicons import Cue

_NUM = (
    r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty|several|many|few)"
)
_UNIT = r"(?:min(?:ute)?s?|h(?:ou)?rs?|days?|nights?|weeks?|wks?|months?|mos?)"
_THING = (
    r"(?:bags?|luggage|baggage|suitcases?|package|parcel|order|delivery|item|items|food|refund|money|card"
    r"|tickets?|confirmation|reply|response|call ?back|email|stroller|car ?seat|shipment)"
)

# Repeated contact: "I've asked you 5 times", "called 3x", "tried no less than 8 times".
_MANY = (
    r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|twenty|several|many|multiple|numerous|countless|so many"
    r"|a dozen|a few|a million|a hundred)"
)
_CONTACTED = (
    r"(?:asked|told|called|rang|phoned|e-?mailed|messaged|dm'?e?d|tweeted|contacted|tried|written|wrote|reached out"
    r"|sent|requested|explained|complained|chatted)"
)
# Harm stated as fact: a foreign object in food, an injury.
_FOREIGN = (
    r"(?:glass|plastic|metal|hair|bug|insect|worm|cockroach|roach|fly|maggot|nail|screw|stone|rock|band-?aid"
    r"|plaster|wire|bone|mou?ld|staple)"
)
_FOOD = (
    r"(?:food|meal|pizza|burger|sandwich|salad|soup|drink|coffee|tea|order|bread|rice|cereal|yog(?:h)?urt|chicken"
    r"|fries|dish|water|juice|milk|chocolate|wrap|taco|burrito|bowl|noodles|pasta|cake|snack|box|can|bottle)"
)
_BODY = (
    r"(?:mouth|lips?|tongue|tooth|teeth|fingers?|hands?|arm|leg|foot|feet|head|back|knee|ankle|wrist|face|skin|gums?"
    r"|throat|eye)"
)

CUES: tuple[Cue, ...] = (
    # a problem stated as fact
    (
        "problem:not_arrived",
        "delivery",
        2.2,
        r"\b(?:never|not|hasn'?t|haven'?t|didn'?t|did not|has not|have not|still not|yet to|doesn'?t|isn'?t)\s+"
        r"(?:been\s+|yet\s+|even\s+)?(?:arrived?|delivered|come|came|received|shown up|turned up|showed up|got(?:ten)?"
        r"|here|shipped)\b|\bnever\s+(?:got|received|arrived|came|showed)\b",
        False,
    ),
    (
        "problem:lost",
        "delivery",
        2.2,
        rf"\b(?:lost|missing|misplaced|misrouted|mishandled)\s+(?:my\s+|our\s+|the\s+|a\s+)?(?:\w+\s+)?{_THING}"
        rf"|\b{_THING}\s+(?:is|are|was|were|got|went|has been)\s+(?:lost|missing|misplaced)\b",
        True,
    ),
    (
        "problem:broken",
        "product",
        1.8,
        r"\b(?:broken|damaged|defective|faulty|cracked|ripped|torn|smashed|doesn'?t work|does not work|not working"
        r"|stopped (?:working|pairing|charging|syncing|connecting|loading|responding|updating|printing|cooling"
        r"|heating|draining)|won'?t (?:start|turn on|load|open|work|connect|pair|charge|sync|boot|update|print)"
        r"|keeps? (?:crashing|freezing|failing|logging me out|restarting|rebooting|disconnecting|dropping)"
        r"|crash(?:es|ed|ing)|froze|frozen screen|is down|went down|outage|glitch\w*|buggy|error (?:message|code)"
        r"|malfunction\w*|broke|tim(?:es|ing) out|not loading|(?:isn'?t|is not|wasn'?t|aren'?t) (?:working|loading"
        r"|available)"
        r"|(?:website|site|app|system|wifi|wi-fi) (?:is |was )?(?:down|slow|useless)|doesn'?t (?:load|open)"
        r"|fell apart)\b",
        True,
    ),
    (
        "problem:charged",
        "billing",
        2.4,
        r"\b(?:charged (?:me )?(?:twice|double|again|two times|for)|double[- ]?charged|overcharg\w*|extra (?:charge"
        r"|fee)s?"
        r"|hidden (?:charge|fee)s?|unauthori[sz]ed (?:charge|transaction|payment)s?|(?:took|stole|taking) my money"
        r"|charged (?:me )?\$\d+|still (?:being )?charged|billed (?:twice|again|for))\b",
        False,
    ),
    (
        "problem:cancelled",
        "delivery",
        1.5,
        r"\b(?:cancell?(?:ed|ation)|delay(?:ed|s)?|postponed|missed (?:my |our |the )?(?:connection|flight|delivery)"
        r"|late|overbooked|oversold|bumped|diverted|rebooked|stuck|stranded|sitting on (?:the )?(?:tarmac|plane)"
        r"|never (?:showed|came)|no[- ]show)\b",
        True,
    ),
    (
        "problem:access",
        "account",
        2.2,
        r"\b(?:can'?t|cannot|can not|unable to|won'?t let me|couldn'?t|could not|not able to|(?:haven'?t|have not"
        r"|wasn'?t"
        r"|weren'?t) (?:been )?able to)\s+(?:\w+\s+){0,2}"
        r"(?:log ?in|sign ?in|log on|access|pay|check ?in|get through|reach|book|connect|reset|use|get into|change)\b"
        r"|\blocked out\b|\baccount (?:was |is |got |has been )?(?:locked|blocked|suspended|hacked|closed|frozen"
        r"|disabled)\b",
        False,
    ),
    (
        "problem:no_response",
        "service",
        2.0,
        r"\b(?:on hold|no (?:one|body)\s+(?:answers|answered|picks up|is answering|helps|helped|responds|responded"
        r"|called"
        r"|cares|knows|returns)|nobody (?:answers|answered|helps|helped|cares|responded|called|knows)|hung up|hangs up"
        r"|disconnected|no (?:response|reply|answer|help|update|updates|info(?:rmation)?|communication|call ?back)"
        r"|(?:ignored|ignoring)|never (?:heard back|called back|responded|replied|answered)|haven'?t heard"
        r"|(?:didn'?t|doesn'?t|won'?t|wouldn'?t|don'?t|never|not) (?:even )?(?:answer\w*|respond\w*|reply\w*|help\w*"
        r"|call\w* back)"
        r"|hang(?:s|ing)? up|kept (?:kicking|dropping|disconnecting)|representatives? (?:are )?busy|no way to (?:reach"
        r"|contact|talk))\b",
        False,
    ),
    (
        "problem:wrong",
        "delivery",
        1.8,
        r"\b(?:wrong (?:order|item|size|address|seat|flight|gate|info(?:rmation)?|bag|food|product|amount)"
        r"|not what i (?:ordered|paid for|asked for)|missing (?:items?|parts?|pieces?|from my)|incorrect"
        r"|mix(?:ed)? ?up)\b",
        False,
    ),
    (
        "problem:missing",
        "",
        1.3,
        r"\bno (?:\w+ )?(?:wifi|wi-fi|power|outlets?|food|water|drinks?|seats?|hotel|vouchers?|explanation|apology"
        r"|compensation"
        r"|info|options?|tracking|clothes|signal|internet|heat|heating|ac|air|one (?:there|at|to)|way to|idea where"
        r"|record)\b",
        False,
    ),
    (
        "problem:cannot",
        "",
        1.5,
        r"\b(?:can'?t|cannot|can not|couldn'?t|could not|unable to|impossible to)\s+(?:even\s+|seem to\s+|just\s+)?"
        r"(?!wait|believe|thank|beat|complain|go wrong|recommend|say enough|stop|miss)\w+",
        False,
    ),
    (
        "problem:refused",
        "service",
        1.6,
        r"\b(?:refus\w*|denied|declined|won'?t (?:fix|help|refund|let|give|honou?r|allow|accept|pay|cover|reimburse"
        r"|rebook)"
        r"|forgot to|failed to|didn'?t (?:bother|care|inform|tell|notify|let us know|offer)|no one (?:told|informed)"
        r"|without (?:notice|warning|explanation))\b",
        False,
    ),
    (
        "problem:expectation",
        "",
        1.4,
        r"\b(?:(?:was|were|is|am|are) supposed to|should(?:n'?t)? have|would have been nice|would be (?:nice|great"
        r"|helpful)"
        r"|(?:need|needs) (?:to do )?better|do better|not the service|lack of|no excuse|own up|retrain|fire (?:your|yr"
        r"|the|that)"
        r"|not good enough|not acceptable|expected (?:more|better))\b",
        False,
    ),
    (
        "problem:staff",
        "service",
        1.8,
        r"\b(?:rude\w*|unprofessional|unhelpful|yell(?:ed|ing) at|attitude|incompetent|clueless|disrespect\w*"
        r"|useless|condescending|lied|lying|liars?|treated (?:us|me) like)\b",
        True,
    ),
    (
        "problem:quality",
        "product",
        1.4,
        r"\b(?:cold (?:food|pizza|coffee|meal)|(?:food|pizza|meal|coffee) (?:was|is) cold|dirty|filthy|smell(?:s|ed|y)"
        r"|stale|expired|mou?ldy?|cockroach\w*|hair in|disgusting|inedible|uncomfortable|leak(?:s|ed|ing)|raw inside"
        r"|undercooked|overpriced|rip[- ]?off)\b",
        True,
    ),
    (
        "problem:foreign_object",
        "product",
        2.2,
        rf"\b(?:found|there (?:was|were|is)|had|got|bit into|with) (?:a |an |some |the )?"
        rf"(?:(?:piece|pieces|shard|bits?) of )?{_FOREIGN}s? in (?:my|our|the|his|her) (?:\w+ )?{_FOOD}s?\b",
        False,
    ),
    (
        "problem:harm",
        "product",
        2.0,
        rf"\b(?:cut|burn(?:ed|t)|scald(?:ed)?|broke|chipped|cracked|injured|hurt) (?:my|his|her|our|their) {_BODY}\b"
        r"|\b(?:i|he|she|we|my (?:son|daughter|kid|child|baby|wife|husband|mother|father|mom|dad)) (?:was|were|got"
        r"|have been|has been) (?:injured|hurt|burned|burnt|scalded|cut)\b"
        r"|\b(?:i|he|she|we) (?:injured|hurt|burned|burnt|scalded|cut) (?:myself|himself|herself|ourselves)\b",
        False,
    ),
    (
        "tone:angry",
        "",
        1.2,
        r"\b(?:worst|terrible|horrible|awful|pathetic|ridiculous|unacceptable|disappoint\w*|frustrat\w*|furious|angry"
        r"|annoy\w*|fed up|sick of|tired of|a joke|nightmare|mess|fail\w*|sucks?|wtf|smh|ugh|shame on|embarrass\w*"
        r"|poor|lousy|incompeten\w*|unbelievable|absurd|outrage\w*|hate|inexcusable|insult\w*|aggravat\w*|dissatisf\w*"
        r"|not (?:helpful|happy|ok|okay|acceptable|impressed|cool|fair)|unhappy|upset|mad|worse|lies|misleading|ruin\w*"
        r"|wast(?:e|ed|ing) (?:of|my|our|\d)|screw\w*|hassle|headache|inconvenien\w*|terrible|ugh+|smh|wtf|sigh)\b",
        True,
    ),
    # waiting and time
    ("wait:still", "", 0.7, r"\bstill\b", False),
    (
        "wait:duration",
        "",
        1.3,
        rf"\b(?:for|over|after|almost|nearly|than)\s+(?:the\s+)?(?:past\s+|last\s+)?{_NUM}\+?\s*(?:more\s+"
        rf"|full\s+)?{_UNIT}\b"
        rf"|\b{_NUM}\+?\s*{_UNIT}\s+(?:later|now|already|and counting|on hold|wait|waiting|delay\w*|late|ago)\b"
        r"|\ball (?:day|night|morning|afternoon|week)\b|\bsince (?:yesterday|last|monday|tuesday|wednesday|thursday"
        r"|friday|saturday|sunday|this morning|\d)|\b(?:hours|days|weeks|ages(?! \d)|forever)\b"
        rf"|\b(?:delay\w*|wait\w*|hold|stuck|sitting|sat|late|behind|spent|spending"
        rf"|wasted)\s+(?:\w+\s+)?(?:for\s+)?{_NUM}\+?\s*{_UNIT}"
        r"|\b\d+\s*h(?:ou)?rs?\s*\d+\s*min",
        False,
    ),
    (
        "wait:again",
        "",
        1.0,
        r"\b(?:(?<!thanks )(?<!thank you )(?<!thank )again|once again|yet again|every (?:single )?time"
        r"|(?:second|third|fourth|\d+(?:st|nd|rd|th)) time"
        r"|keeps? (?:happening|getting)|always (?:late|delayed|broken|cancell?ed)|as usual)\b",
        False,
    ),
    ("wait:waiting", "", 1.0, r"\b(?:waiting|waited|wait time|how long|took forever|still no|yet another)\b", True),
    (
        "wait:asked",
        "service",
        1.5,
        rf"\b{_CONTACTED} (?:\w+ ){{0,3}}?(?:no less than |at least |over |more than )?{_MANY} ?(?:times|x)\b"
        rf"|\b{_MANY} (?:times|x) (?:now|already|today|this week|and (?:still|no|nothing|counting))\b"
        r"|\b(?:over and over|time and (?:time )?again|again and again)\b",
        False,
    ),
    # "check your DMs": not enough alone, adds to another cue
    (
        "wait:dm",
        "service",
        1.0,
        r"\b(?:check|see|read|answer|open|look at|respond to|reply to) (?:my|your|the) (?:dms?|direct messages?|inbox"
        r"|e-?mails?|messages?)\b",
        False,
    ),
    # requests
    # a problem told flatly, then "Help!" / "please help?" as its own sentence
    (
        "request:help",
        "",
        1.2,
        r"(?:^|[.!?:;)]\s*|\s[-–—]+\s*|\s-|\s{2,})(?:(?:please|pls|plz)\s+)?help(?:\s+(?:me|us|please|pls|plz))?\s*[!?]",
        False,
    ),
    # "any advice?", "what should I do?": weaker, a problem must be stated too
    (
        "request:advice",
        "",
        0.9,
        r"\bany (?:advice|suggestions?|ideas|tips)\s*\?|\bwhat (?:should|can|do) (?:i|we) do\b|\bhow do you suggest\b"
        r"|\bwhat are my options\b",
        False,
    ),
    (
        "request:refund",
        "billing",
        1.8,
        r"\b(?:refund\w*|money back|reimburs\w*|compensat\w*|chargeback|credit (?:it )?back|pay (?:me )?back)\b",
        False,
    ),
    (
        "request:cancel",
        "account",
        1.5,
        r"\b(?:cancel (?:my|the|this) (?:order|subscription|account|membership|booking|reservation|plan|card)"
        r"|unsubscribe|close my account|delete my account)\b",
        False,
    ),
    (
        "request:fix",
        "",
        1.0,
        r"\b(?:(?:please|pls|plz) (?:fix|help|respond|reply|call|dm|check|look into|explain|sort|get|do)|fix (?:this"
        r"|it)"
        r"|do something|sort (?:this|it) out|need (?:help|answers|an answer|assistance|someone|to speak)"
        r"|explain (?:why|how)|want (?:an? )?(?:answer|explanation|apology|manager)|(?:speak|talk) to a (?:manager"
        r"|supervisor)"
        r"|(?:any|an) update)\b",
        False,
    ),
    # questions addressed to the brand
    # about the customer's own payment, order, refund, delivery or service
    (
        "question:own_status",
        "",
        1.3,
        r"\b(?:did|have|has) (?:you|u|y'?all|anyone|someone) (?:\w+ )?(?:get|got|gotten|received?|process(?:ed)?"
        r"|see|seen|look(?:ed)? at) (?:my|our) (?:payment|money|transfer|e-?mail|message|dm|request|claim|form"
        r"|application|documents?|return|order|refund|complaint|ticket)\b"
        r"|\bwhen (?:will|is|are|do|does|can|should) (?:i|we|my \w+|our \w+|it|the \w+|[\w']+)\s+(?:be back|come back"
        r"|be back online|be restored|be fixed|be working|work again|get (?:my|our|it|a refund)|receive|arrive|ship"
        r"|be shipped|be refunded|be delivered|be credited|hear back)\b"
        r"|\bwhat about (?:my|our|the) (?:shipping|delivery|refund|order|bags?|luggage|money|payment|compensation"
        r"|voucher)\b|\bany (?:news|update|word|info) (?:on|about) (?:my|our)\b|\bstatus of (?:my|our)\b",
        False,
    ),
    ("question:where", "delivery", 2.3, r"\bwhere(?:'s|\s+is|\s+are|\s+the hell is)\s+(?:my|our|the)\b", False),
    (
        "question:why",
        "",
        1.4,
        r"\bwhy (?:is|are|was|were|did|does|do|would|can'?t|won'?t|isn'?t|aren'?t|didn'?t|doesn'?t|don'?t|haven'?t"
        r"|hasn'?t|has|have|on earth|the hell|no|not|should|must|am)\b|\bhow come\b",
        False,
    ),
    (
        "question:status",
        "",
        1.2,
        r"\b(?:how (?:long|much longer|many more|many times)|what(?:'s| is) (?:going on|happening|the hold ?up"
        r"|the deal|up with)"
        r"|what happened|(?:is|isn'?t) (?:anyone|anybody|someone) (?:there|listening|working|home|going to)"
        r"|really\?+|any end in sight|anyone (?:there|listening|home)|what (?:am i|are we|do i|should i|do we|are my"
        r"|are our) (?:supposed|to do|do now"
        r"|going|options)|what now|when (?:will|are|is|do|can) (?:i|we|my|our|you|someone) (?:get|be|receive|hear"
        r"|going|fix|refund|respond)|seriously\?|are you (?:kidding|serious|joking))",
        False,
    ),
    # threats
    (
        "threat:leave",
        "",
        2.0,
        r"\b(?:never (?:again|flying|fly|order\w*|buy\w*|use|using|shop\w*|book\w*|going back|coming back|recommend\w*"
        r"|be back)|last time i|switch(?:ing|ed)? to|(?:done|finished|through) with (?:you|this|them)|lost (?:a|my"
        r"|your)"
        r"\s+(?:\w+\s+)?customer|(?:take|taking) my business|won'?t be (?:back|flying|using|ordering|buying)"
        r"|no longer (?:use|fly|buy|order|shop)|cancel(?:l?ing)? my (?:account|membership|subscription|card))\b",
        False,
    ),
    (
        "threat:report",
        "",
        2.0,
        r"\b(?:report(?:ing)? (?:you|this|it|them) to|(?:file|filing|make|making|lodge|lodging"
        r"|submit\w*) an? (?:formal )?"
        r"complaint|complain(?:ed|ing)? to|bbb|better business bureau|ftc|consumer (?:protection|rights|affairs)"
        r"|ombudsman|regulator|trading standards|attorney general|dispute (?:the|this) charge)\b",
        False,
    ),
    (
        "threat:public",
        "",
        1.2,
        r"\b(?:tell(?:ing)? everyone|going viral|all my (?:friends|followers)|warn (?:others|everyone|people)"
        r"|(?:bad|negative|1[- ]star) review)\b",
        False,
    ),
)

# Praise words that flip to irony when a problem is stated in the same post ("thanks for losing my bag").
# A cue is only searched for when one of these substrings is in the lower-cased text (every match of
# the cue contains one of them): cheap gates that keep the cues from costing throughput.
GATES: dict[str, tuple[str, ...]] = {
    "wait:again": ("again", "time", "keep", "always", "usual"),
    "request:help": ("help",),
    "request:advice": ("any ", "what ", "suggest"),
    "wait:asked": ("time", "x", "over and", "again and"),
    "wait:dm": ("dm", "direct", "inbox", "mail", "message"),
    "question:own_status": ("my ", "our ", "when ", "what about", "any ", "status"),
    "problem:foreign_object": (" in ",),
    "problem:harm": ("cut", "burn", "scald", "broke", "chipped", "cracked", "injur", "hurt"),
}

SARCASM_PRAISE = (
    r"\b(?:thanks? (?:a lot|so much|again|for (?:nothing|ruining|losing|making|the (?:great|wonderful|amazing)|leaving"
    r"|cancel\w*|delay\w*|charging|wasting|keeping|nothing))|thank you (?:for (?:nothing|ruining|losing|making|leaving"
    r"|cancel\w*|charging|wasting|keeping|nothing)|very much)|love (?:how|that|it when|when)|great job|nice job"
    r"|good job"
    r"|way to go|so much for|gotta love|yeah right|oh great|just great|just perfect|how nice|how lovely|bravo"
    r"|kudos|what a (?:great|wonderful|fantastic|lovely) (?:way|experience|service|job)|best (?:customer )?service ever"
    r"|well done|real(?:ly)? (?:great|nice) (?:job|service)|awesome job|appreciate (?:it|that) not)\b"
)
# Unambiguous irony, even without a stated problem.
SARCASM_STRONG = r"\b(?:thanks? for nothing|thank you for nothing|yeah right|so much for|gotta love how)\b"

# Negations, and hypotheticals ("if my flight is cancelled", "any delays?", "will we be delayed?",
# "on time or cancelled?"): a cue after them is no stated problem.
NEG_BEFORE = (
    r"(?:\b(?:not|never|no|isn'?t|wasn'?t|aren'?t|weren'?t|don'?t|didn'?t|doesn'?t|won'?t|without|hardly|nothing|nor"
    r"|zero|if|will (?:\w+ ){0,4}be)\W+(?:\w+\W+){0,2}|\bany\W+|\b(?:on time|clear|open|operating|running) or\W+)$"
)
NEG_AFTER = r"^(?!)"
# Problems explicitly denied or resolved: "no problem", "not an issue", "resolved", "all good now".
RESOLVED = (
    r"\b(?:no (?:problem|problems|issue|issues|worries|complaints)|thanks? (?:you )?for (?:refunding|responding"
    r"|replying|the refund"
    r"|following up|reaching out|understanding|looking into|the update|the info|the quick|getting back|your patience"
    r"|your help)|not (?:a|an) (?:problem|issue)|(?:was|were|got|been|is|all) "
    r"(?:resolved|fixed|sorted)|thanks? (?:to you|for (?:your|the) (?:help|quick|fast|great|response|reply|assistance)"
    r"|for (?:resolving|fixing|sorting|getting|helping|taking care)))\b"
)

SEVERITY: tuple[tuple[str, str], ...] = (
    (
        "health",
        r"\b(?:food poisoning|poison\w*|got sick|made (?:me|us|my \w+) (?:sick|ill)|sick after|fell ill"
        r"|allergic reaction"
        r"|anaphyla\w*|hospital\w*|emergency room|injur\w*|burn(?:ed|t) (?:me|my|myself)|vomit\w*|chok(?:ed|ing) on"
        r"|bleed\w*)",
    ),
    (
        "safety",
        r"\b(?:unsafe|dangerous|caught fire|on fire|fire hazard|smoke (?:in|from)|explod\w*|electric shock|safety"
        r"|emergency landing|hazard\w*|gas leak)",
    ),
    (
        "data",
        r"\b(?:data breach|breach|leak(?:ed)? (?:my|our|personal|customer) \w+|hacked|stolen (?:data|identity|card)"
        r"|identity theft|privacy|personal (?:data|information|info) (?:exposed|leaked|shared|sold)|gdpr)",
    ),
    ("legal", r"\b(?:lawyer|attorney|lawsuit|sue|suing|legal action|small claims|discriminat\w*|court)\b"),
    ("fraud", r"\b(?:fraud\w*|scam\w*|stole|stolen|theft|phishing|fake charge|ripped off|con artists?)\b"),
)

CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("billing", r"\b(?:refund|charge|charged|bill|billing|invoice|payment|price|fee|fees|money|\$\d+|voucher|credit)"),
    ("account", r"\b(?:log ?in|sign ?in|password|account|app|website|site|verification|2fa|profile|points|miles)\b"),
    (
        "delivery",
        r"\b(?:deliver\w*|courier|package|parcel|shipping|shipment|order|bag|bags|luggage|baggage|flight\w*|late"
        r"|delay\w*)",
    ),
    ("product", r"\b(?:quality|defect\w*|broken|product|taste|seat|seats|wifi|wi-fi|food|meal|plane|aircraft)\b"),
    (
        "service",
        r"\b(?:staff|rude|support|agent|service|customer service|call center|manager|crew|attendant|gate agent)",
    ),
)

# Words TextBlob's lexicon has no polarity for (stems, longest prefix wins; "=" = whole word).
POLARITY: dict[str, float] = {
    "thank": 0.5,
    "=thx": 0.5,
    "=ty": 0.4,
    "=tysm": 0.6,
    "appreciat": 0.5,
    "grateful": 0.6,
    "kudos": 0.6,
    "=cheers": 0.4,
    "shoutout": 0.5,
    "=props": 0.5,
    "=finally": 0.2,
    "=yay": 0.6,
    "=woohoo": 0.6,
    "=rocks": 0.5,
    "=rock": 0.3,
    "helpful": 0.5,
    "=resolved": 0.4,
    "=fixed": 0.3,
    "=smooth": 0.4,
    "=courteous": 0.5,
    "=friendly": 0.5,
    "=impressed": 0.6,
    "=lovely": 0.6,
    "=hate": -0.8,
    "=sucks": -0.7,
    "=suck": -0.6,
    "=ugh": -0.5,
    "=smh": -0.5,
    "=wtf": -0.6,
    "=scam": -0.8,
    "=ripoff": -0.8,
    "=furious": -0.9,
    "=upset": -0.6,
    "=unacceptable": -0.8,
    "=useless": -0.7,
    "=rude": -0.7,
}
INTENSIFIERS: dict[str, float] = {"so": 1.3, "very": 1.3, "really": 1.2, "super": 1.3, "extremely": 1.5, "totally": 1.3}
NEGATORS: frozenset[str] = frozenset({"not", "no", "never", "don't", "didn't", "doesn't", "isn't", "wasn't", "won't"})
