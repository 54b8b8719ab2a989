"""Turkish complaint cues and sentiment stems. Written by the team.

Text is lower-cased and folded to ASCII before matching (ç→c, ğ→g, ı→i, ö→o, ş→s, ü→u), because
Turkish posts are often typed without diacritics; the scorer folds these patterns and stems the same
way, so they are written here in normal Turkish spelling. Negation in Turkish is mostly a suffix
(-me/-ma: beğenmedim "I did not like"), which the scorer reads after a matched stem; `değil` and `yok`
after a word negate it too.
"""

from __future__ import annotations

from functions.core.lexicons import Cue

_NUM = r"(?:\d+|bir|iki|üç|dört|beş|altı|yedi|on|kaç|birkaç)"
_UNIT = r"(?:dakika|saat|gün|hafta|ay|sene|yıl)\w*"

# Repeated contact: "5 kez aradım", "kaç kere yazdım".
_MANY = r"(?:\d+|iki|üç|dört|beş|altı|yedi|sekiz|dokuz|on|yirmi|kaç|birkaç|defalarca|onlarca|yüzlerce|bin)"
# Harm stated as fact: a foreign object in food, an injury.
_FOOD = (
    r"(?:yemek|yemeğ|ekmeğ|tavuğ|pizza|hamburger|burger|salata|çorba|ekmek|tavuk|döner|dürüm|içecek|kahve|çay|sipariş|ürün|süt|yoğurt"
    r"|çikolata|pilav|lahmacun|tost|sandviç|makarna|köfte|kek|pasta|bisküvi|cips|konserve|paket|kutu)"
)
_FOREIGN = (
    r"(?:cam|kıl|saç|böcek|hamam ?böceği|taş|plastik|metal|tel|çivi|sinek|solucan|kurt|kurtçuk|naylon|vida|zımba"
    r"|kemik)"
)

CUES: tuple[Cue, ...] = (
    (
        "problem:not_arrived",
        "delivery",
        2.2,
        r"\b(?:gelmedi|gelmiyor|gelmemiş|ulaşmadı|ulaşmıyor|ulaşmamış|teslim (?:edilmedi|etmedi|edilmemiş|edilmiyor)"
        r"|getirilmedi|getirmedi|gönderilmedi|gönderilmemiş|göndermediniz|elime (?:ulaşmadı|geçmedi)|hala gelmedi"
        r"|almadım|alamadım|yatmadı|kayboldu|kaybolmuş|kaybettiniz|kayıp (?:bavul|valiz|kargo|paket))",
        False,
    ),
    (
        "problem:broken",
        "product",
        1.8,
        r"\b(?:bozuk\w*|bozul\w*|arıza\w*|çalışmıyor\w*|çalışmadı|çalışmaz|açılmıyor|donuyor|dondu|çöktü|çöküyor"
        r"|hata (?:veriyor|verdi|alıyorum)|kırık|kırıl\w*|defolu|yırtık|sorunlu|çekmiyor|kesildi|kesik|yavaş)",
        True,
    ),
    (
        "problem:charged",
        "billing",
        2.4,
        r"\b(?:iki (?:kez|kere|defa) (?:çekildi|çekti|ücret|ödeme)\w*|fazladan (?:ücret|para|çekim)\w*|haksız (?:ücret"
        r"|kesinti)\w*"
        r"|param(?:ı)? (?:kesti|çekti\w*|aldı\w*|yediniz|gitti)|habersiz (?:çekim|ücret|kesinti)\w*|fazla (?:ücret"
        r"|fatura)\w*"
        r"|kesinti yapıldı|ücret (?:yansıtıldı|kesildi|çekildi))",
        False,
    ),
    (
        "problem:cancelled",
        "delivery",
        1.5,
        r"\b(?:iptal (?:edildi|etti|ettiniz|ettiler|oldu)|rötar\w*|ertelendi|gecikme\w*|gecikti|geç (?:kaldı|geldi"
        r"|teslim))",
        True,
    ),
    (
        "problem:access",
        "account",
        2.2,
        r"\b(?:giriş yapamıyorum|giremiyorum|giriş yapılamıyor|açamıyorum|ödeme yapamıyorum|bağlanamıyorum"
        r"|hesab\w* (?:kapatıldı|bloke|askıya|engellendi|donduruldu)|şifre\w* (?:gelmiyor|sıfırlanamıyor)|bloke)"
        r"|\b\w{2,}(?:a|e)m(?:ı|i|u|ü)yor(?:um|uz)\b",
        False,
    ),
    (
        "problem:no_response",
        "service",
        2.0,
        r"\b(?:cevap (?:vermiyor\w*|verilmiyor|alamıyorum|alamadım|yok|vermediniz|vermedi)|dönüş (?:yok|yapılmadı"
        r"|yapmadınız"
        r"|alamadım|sağlanmadı)|dönmediniz|dönmüyorsunuz|telefon\w* açmıyor\w*|muhatap bulamıyorum|ilgilenmiyor\w*"
        r"|ilgilenen yok|kimse (?:ilgilenmiyor|cevap|açmıyor|dönmedi|yardım)|yanıt (?:yok|vermiyor\w*|alamadım)"
        r"|yanıtsız"
        r"|ulaşamıyorum|ulaşılamıyor)",
        False,
    ),
    (
        "problem:staff",
        "service",
        1.8,
        r"\b(?:kaba (?:davran|konuş)\w*|kaba\b|terbiyesiz\w*|saygısız\w*|ilgisiz\w*|küstah\w*|beceriksiz\w*|bağırdı"
        r"|azarladı"
        r"|yüzüme kapattı|telefonu kapattı)",
        True,
    ),
    (
        "problem:quality",
        "product",
        1.4,
        r"\b(?:soğuk (?:geldi|yemek|pizza)|bayat|çürük|kokuyor|kokmuş|bozulmuş|son kullanma|kıl çıktı|böcek\w*|pis\b"
        r"|kirli"
        r"|eksik (?:geldi|ürün|parça|gönder)\w*|yanlış (?:ürün|sipariş|geldi|gönder)\w*|kalitesiz\w*|sahte)",
        True,
    ),
    (
        "problem:foreign_object",
        "product",
        2.2,
        rf"\b{_FOOD}\w*\s+(?:\w+\s+){{0,3}}{_FOREIGN}(?: (?:parçası|parçaları|teli))?\s+(?:çıktı|çıkması|çıkıyor|vardı"
        r"|buldu\w*|bulundu)\b",
        False,
    ),
    (
        "problem:harm",
        "product",
        2.0,
        r"\b(?:elimi|parmağımı|ağzımı|dilimi|dudağımı|ayağımı|bacağımı|kolumu|başımı|dizimi|damağımı)\s+(?:\w+\s+)?"
        r"(?:kestim|kesti|yaktım|yaktı|yaraladım|yaraladı|incittim|kırdım|kırdı|burktum)\b"
        r"|\bdişim\w* (?:kırıldı|kırdı|çatladı)|\bdişimi kırdı\w*"
        r"|\b(?:çocuğum|oğlum|kızım|eşim|annem|babam)\w* (?:\w+ )?(?:yaralandı|yandı)\b",
        False,
    ),
    (
        "tone:angry",
        "",
        1.2,
        r"\b(?:rezalet\w*|rezil\w*|berbat\w*|skandal\w*|felaket|facia|utanç|yazıklar olsun|bıktım|bıktık|bıktırdınız"
        r"|yeter artık|illallah|mağdur\w*|isyan\w*|sinir\w*|çileden|kabus|saçmalık\w*|maalesef|mağduriyet\w*)",
        True,
    ),
    # waiting and time
    ("wait:still", "", 1.2, r"\b(?:hala|hâlâ|halen|daha hala|hala daha)\b", False),
    (
        "wait:duration",
        "",
        1.3,
        rf"\b{_NUM}\s+{_UNIT}(?:dır|dir|dur|dür|tır|tir|tur|tür)|\b(?:günlerdir|haftalardır|aylardır|saatlerdir"
        rf"|yıllardır)"
        rf"|\b{_NUM}\s+{_UNIT}\s+(?:oldu|geçti|bekliyorum|bekledim|beklet\w*)",
        False,
    ),
    (
        "wait:again",
        "",
        1.0,
        r"\b(?:yine|gene|tekrar tekrar|defalarca|her seferinde|kaçıncı|bir kez daha|üçüncü kez|ikinci kez|sürekli)\b",
        False,
    ),
    (
        "wait:waiting",
        "",
        1.0,
        r"\b(?:bekliyorum|bekliyoruz|bekledim|bekletiyorsunuz|bekletildik|bekletildim|beklemekten)",
        True,
    ),
    (
        "wait:asked",
        "service",
        1.5,
        rf"\b{_MANY}\s+(?:kez|kere|defa|sefer|kez daha)\s+(?:\w+\s+)?(?:aradım|aradık|arıyorum|yazdım|yazdık|yazıyorum"
        r"|sordum|mail attım|mesaj attım|dm attım|başvurdum|ulaştım|bildirdim|şikayet ettim|talep ettim|söyledim"
        r"|anlattım)\b"
        r"|\b(?:kaç kez|kaç kere|kaç defa)\s+(?:\w+\s+)?(?:aradım|yazdım|sordum|başvurdum|ulaştım|bildirdim|söyledim)",
        False,
    ),
    # "DM'e bakın": not enough alone, adds to another cue
    (
        "wait:dm",
        "service",
        1.0,
        r"\b(?:dm|özel mesaj|direkt mesaj|mesajlarım|mail\w*|e-?posta\w*)\w*\s+(?:kutunuza |kutunuzu |\w+ )?(?:bakın"
        r"|bakar mısınız|bakarmısınız|kontrol edin|okuyun)\b"
        r"|\b(?:dm|özel|özelden|dmden)(?:'?den)?\s+(?:yazdım|mesaj attım|ulaştım)\b",
        False,
    ),
    # requests
    # a problem told flatly, then "yardım edin"
    (
        "request:help",
        "",
        1.2,
        r"\byardım (?:edin|eder misiniz|edermisiniz)\b|\byardımcı olur musunuz\b",
        False,
    ),
    # "ne yapmalıyım?": weaker, a problem must be stated too
    (
        "request:advice",
        "",
        0.9,
        r"\bne yapmalıyım\b|\bne yapmam (?:lazım|gerekiyor)\b|\bne yapacağımı (?:bilmiyorum|şaşırdım)"
        r"|\bnasıl (?:bir yol izlemeliyim|yapmalıyım)|\bne yapabilirim\s*\?",
        False,
    ),
    (
        "request:refund",
        "billing",
        1.8,
        r"\b(?:iade\w*|param\w* (?:geri|iade|istiyorum|verin)|geri ödeme\w*|tazminat\w*|telafi\w*|paramı)",
        False,
    ),
    (
        "request:cancel",
        "account",
        1.5,
        r"\b(?:iptal (?:etmek istiyorum|edin|et|ettirmek)|aboneliğimi (?:iptal|sonlandır)\w*|üyeliğimi\w*"
        r"|hesabımı (?:kapat|sil)\w*"
        r"|sözleşme\w* (?:fesih|iptal)|cayma)",
        False,
    ),
    (
        "request:fix",
        "",
        1.0,
        r"\b(?:çözün|çözüm (?:istiyorum|bekliyorum|bulun|üretin)|yardımcı olun|ilgilenin|düzeltin|acil|muhatap"
        r"|lütfen (?:dönüş|yardım|ilgilen|çözüm|geri dön)\w*|açıklama bekliyorum|hesap soruyorum)",
        False,
    ),
    # questions addressed to the brand
    # about the customer's own payment, order, refund, delivery or service
    (
        "question:own_status",
        "",
        1.3,
        r"\b(?:ödeme\w*|param\w*|havale\w*|iade\w*|başvuru\w*|mail\w*)\s+(?:\w+\s+)?(?:ulaştı mı|geçti mi|yattı mı"
        r"|alındı mı|gördünüz mü|elinize ulaştı mı|geldi mi)"
        r"|\b(?:siparişim|kargom|paketim|iadem|param|siparişimiz|kargomuz)\w*\s+(?:ne zaman|ne durumda|nerede kaldı"
        r"|ne oldu)|\bne zaman (?:gönderilecek|kargolanacak|kargoya verilecek|yatırılacak|geri gelecek|ulaşacak)\b",
        False,
    ),
    ("question:where", "delivery", 2.3, r"\b(?:nerede|nerde|neredesiniz|nerdesiniz|nereye gitti)\b", False),
    ("question:why", "", 1.4, r"\b(?:neden|niye|niçin|ne biçim|bu ne (?:rezalet|hizmet|biçim|saygısızlık))\b", False),
    (
        "question:status",
        "",
        1.2,
        r"\b(?:ne zaman (?:gelecek|çözülecek|dönecek|düzelecek|iade|teslim)\w*|ne oluyor|kaç (?:gün|hafta|saat"
        r"|ay) (?:daha|oldu)"
        r"|nasıl (?:olur|bu kadar)|dalga mı geçiyorsunuz|ciddi misiniz)",
        False,
    ),
    # threats
    (
        "threat:leave",
        "",
        2.0,
        r"\b(?:bir daha (?:asla|almam|gelmem|kullanmam|tercih etmem|sipariş vermem|uçmam)|asla (?:tercih|kullanmam"
        r"|almam|önermem)"
        r"|geçiyorum|geçeceğim|geçtim|vazgeçtim|müşteri\w* kaybettiniz|son kez|taşıyorum|taşıyacağım|kimseye önermem"
        r"|kimseye tavsiye etmem)",
        False,
    ),
    (
        "threat:report",
        "",
        2.0,
        r"\b(?:şikayet\w*|şikâyet\w*|şikayetvar|tüketici (?:hakem|mahkemesi|hakları|haklari)\w*|btk|bddk|epdk|cimer"
        r"|savcılık\w*|suç duyurusu|rekabet kurumu)",
        False,
    ),
)

# A cue is only searched for when one of these substrings is in the lower-cased text (every match of
# the cue contains one of them; folded like the patterns): cheap gates that keep the added cues from
# costing throughput.
GATES: dict[str, tuple[str, ...]] = {
    "wait:again": (
        "yine",
        "gene",
        "tekrar tekrar",
        "defalarca",
        "her seferinde",
        "kaçıncı",
        "bir kez daha",
        "üçüncü kez",
        "ikinci kez",
        "sürekli",
    ),
    "request:help": ("yardım",),
    "request:advice": ("ne yap", "nasıl"),
    "wait:asked": ("kez", "kere", "defa", "sefer"),
    "wait:dm": ("dm", "özel", "mesaj", "mail", "posta"),
    "question:own_status": (
        "ödeme",
        "para",
        "havale",
        "iade",
        "başvuru",
        "mail",
        "sipariş",
        "kargo",
        "paket",
        "ne zaman",
    ),
    "problem:foreign_object": ("çıktı", "çıkması", "çıkıyor", "vardı", "buldu", "bulundu"),
    "problem:harm": ("kest", "yakt", "yarala", "incitt", "kırd", "burkt", "dişim", "yandı"),
}

SARCASM_PRAISE = (
    r"\b(?:aferin\w*|bravo|helal olsun|tebrikler|teşekkürler|teşekkür ederim|sağ olun|sağolun|harika|mükemmel|süper"
    r"|eksik olmayın|ne güzel)\b"
)
SARCASM_STRONG = r"(?:\(!\)|\b(?:teşekkürler hiçbir şey için|eksik olmayın|yani bravo|aferin size|helal olsun size))"

NEG_BEFORE = r"\b(?:hiç|hic)\s+$"
NEG_AFTER = r"^\w*\s+(?:değil|degil)\b"
RESOLVED = (
    r"\b(?:sorun (?:yok|çözüldü|giderildi)|problem (?:yok|çözüldü)|çözüldü|ilginiz için teşekkür\w*"
    r"|yardımınız için teşekkür\w*|hızlı dönüş\w* için)"
)

SEVERITY: tuple[tuple[str, str], ...] = (
    (
        "health",
        r"\b(?:zehirlen\w*|hastanelik|hastaneye|hastanede|alerji\w*|yaralan\w*|yaralı|sağlığım\w*|ishal|kustu\w*"
        r"|kusma\w*"
        r"|acil servis\w*)",
    ),
    (
        "safety",
        r"\b(?:yangın\w*|alev\w*|patladı|patlama\w*|elektrik çarp\w*|tehlike\w*|can güvenliği|kaza(?:ya|da|sı|dan)?\b)",
    ),
    ("data", r"\b(?:kişisel veri\w*|verilerim\w*|veri ihlali|kvkk|hacklendi|hacklen\w*|sızdır\w*|sızıntı\w*)"),
    ("legal", r"\b(?:avukat\w*|dava\w*|mahkeme\w*|savcılık\w*|suç duyurusu|hukuki)"),
    ("fraud", r"\b(?:dolandır\w*|sahtekar\w*|hırsız\w*|çaldınız|çalıyorsunuz|vurgun\w*|kazık\w*|soygun\w*)"),
)

CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("billing", r"\b(?:para\w*|ücret\w*|fatura\w*|ödeme\w*|iade\w*|kart\w*|fiyat\w*|kesinti\w*|tahsilat\w*)"),
    ("account", r"\b(?:hesab\w*|hesap|şifre\w*|giriş\w*|uygulama\w*|site\w*|üyelik\w*|sms|kod\w*)"),
    ("delivery", r"\b(?:kargo\w*|teslim\w*|sipariş\w*|paket\w*|kurye\w*|gönderi\w*|bavul\w*|valiz\w*|uçuş\w*)"),
    ("product", r"\b(?:ürün\w*|kalite\w*|cihaz\w*|telefon\w*|yemek\w*|pizza\w*|internet\w*|hat\b|hattım|çekim)"),
    ("service", r"\b(?:personel\w*|çalışan\w*|müşteri hizmetleri|temsilci\w*|çağrı merkezi|şube\w*|yetkili\w*)"),
)

# Sentiment stems (written by the team); suffix negation (-me/-ma) and -sız/-siz flip them.
POLARITY: dict[str, float] = {
    # positive
    "güzel": 0.7,
    "harika": 0.9,
    "mükemmel": 0.9,
    "muhteşem": 0.9,
    "süper": 0.8,
    "şahane": 0.9,
    "efsane": 0.8,
    "teşekkür": 0.5,
    "tesekkur": 0.5,
    "sağol": 0.5,
    "sağ ol": 0.5,
    "sevgi": 0.7,
    "sevgili": 0.5,
    "seviyor": 0.7,
    "sevdi": 0.6,
    "sevdiğ": 0.5,
    "sevmek": 0.5,
    "seven": 0.5,
    "sever": 0.5,
    "sevin": 0.7,
    "sevim": 0.6,
    "mutlu": 0.8,
    "mutluluk": 0.8,
    "başarı": 0.7,
    "başar": 0.6,
    "=iyi": 0.6,
    "iyiki": 0.7,
    "iyi ki": 0.7,
    "iyilik": 0.6,
    "iyiliğ": 0.6,
    "en iyi": 0.8,
    "bayıl": 0.8,
    "huzur": 0.7,
    "keyif": 0.6,
    "keyifl": 0.7,
    "=hoş": 0.6,
    "hoşuma": 0.6,
    "tatlı": 0.6,
    "kutla": 0.6,
    "tebrik": 0.6,
    "gurur": 0.6,
    "umut": 0.5,
    "şans": 0.4,
    "şanslı": 0.6,
    "memnun": 0.7,
    "beğen": 0.6,
    "tavsiye": 0.4,
    "helal": 0.5,
    "bravo": 0.6,
    "kahraman": 0.6,
    "güven": 0.5,
    "rahat": 0.5,
    "neşe": 0.7,
    "gülümse": 0.7,
    "güldü": 0.5,
    "gülüyor": 0.5,
    "gülmek": 0.5,
    "dost": 0.5,
    "aşk": 0.6,
    "aşık": 0.6,
    "bereket": 0.6,
    "hayırlı": 0.6,
    "mübarek": 0.5,
    "kolay": 0.4,
    "destek": 0.4,
    "özgür": 0.5,
    "barış": 0.5,
    "sağlıklı": 0.5,
    "şifa": 0.5,
    "zevk": 0.6,
    "eğlen": 0.6,
    "harikulade": 0.9,
    "enfes": 0.8,
    "lezzet": 0.6,
    "lezzetli": 0.7,
    "nefis": 0.7,
    "başarılı": 0.7,
    "kaliteli": 0.6,
    "hızlı": 0.4,
    "ilgili": 0.3,
    "ilgilendi": 0.4,
    "yardımcı": 0.4,
    "nazik": 0.6,
    "samimi": 0.5,
    "değerli": 0.5,
    "önemli": 0.2,
    "anlamlı": 0.4,
    "özel": 0.3,
    "sevgiyle": 0.7,
    "sevindir": 0.7,
    "gülücük": 0.6,
    "güleç": 0.6,
    "doğru": 0.2,
    "adalet": 0.4,
    "özle": 0.2,
    "merak": 0.1,
    "dua": 0.4,
    "allah razı": 0.6,
    "maşallah": 0.6,
    "inşallah": 0.3,
    "hayal": 0.3,
    "güzellik": 0.7,
    "canım": 0.5,
    "iyileş": 0.5,
    "kazan": 0.4,
    "zafer": 0.6,
    "saygı": 0.4,
    "sabır": 0.3,
    "sabret": 0.2,
    "ilham": 0.6,
    "emek": 0.4,
    "yaşasın": 0.6,
    "hediye": 0.5,
    "fırsat": 0.4,
    "indirim": 0.4,
    "kampanya": 0.2,
    "merhaba": 0.2,
    "hoşgeldin": 0.5,
    "hoş geldin": 0.5,
    "günaydın": 0.4,
    "güçlü": 0.5,
    "cesur": 0.5,
    "akıllı": 0.5,
    "zeki": 0.5,
    "gelecek": 0.1,
    "yardım": 0.2,
    # negative
    "kötü": -0.7,
    "=fena": -0.6,
    "berbat": -0.9,
    "rezalet": -0.9,
    "rezil": -0.9,
    "iğrenç": -0.9,
    "saçma": -0.7,
    "salak": -0.8,
    "aptal": -0.8,
    "gerizekalı": -0.9,
    "geri zekalı": -0.9,
    "beyinsiz": -0.9,
    "şerefsiz": -1.0,
    "namussuz": -1.0,
    "haysiyetsiz": -0.9,
    "alçak": -0.8,
    "pislik": -0.8,
    "=pis": -0.7,
    "lanet": -0.8,
    "kahrol": -0.9,
    "nefret": -0.9,
    "sinir": -0.6,
    "öfke": -0.7,
    "kızgın": -0.7,
    "kızdım": -0.6,
    "kızdır": -0.6,
    "üzgün": -0.6,
    "üzül": -0.6,
    "üzücü": -0.7,
    "=acı": -0.5,
    "acına": -0.6,
    "ağla": -0.5,
    "korku": -0.6,
    "kork": -0.5,
    "endişe": -0.5,
    "sorun": -0.5,
    "problem": -0.5,
    "=hata": -0.5,
    "hatalı": -0.6,
    "yalan": -0.7,
    "yalancı": -0.9,
    "sahtekar": -0.9,
    "dolandır": -0.9,
    "hırsız": -0.8,
    "şikayet": -0.6,
    "mağdur": -0.7,
    "maalesef": -0.5,
    "yazık": -0.6,
    "utan": -0.6,
    "ayıp": -0.7,
    "bık": -0.7,
    "=yeter": -0.5,
    "felaket": -0.9,
    "facia": -0.9,
    "kabus": -0.8,
    "ölüm": -0.6,
    "öldü": -0.6,
    "öldür": -0.8,
    "ölsün": -0.9,
    "geber": -0.9,
    "=zor": -0.4,
    "zorluk": -0.4,
    "yorgun": -0.4,
    "sıkıcı": -0.6,
    "sıkıl": -0.5,
    "=boş": -0.4,
    "değersiz": -0.7,
    "gereksiz": -0.6,
    "beceriksiz": -0.8,
    "yetersiz": -0.6,
    "saygısız": -0.8,
    "küfür": -0.6,
    "hakaret": -0.7,
    "terör": -0.7,
    "savaş": -0.5,
    "katil": -0.9,
    "şiddet": -0.7,
    "taciz": -0.9,
    "tecavüz": -0.9,
    "zulüm": -0.8,
    "zalim": -0.8,
    "kriz": -0.5,
    "fakir": -0.4,
    "yoksul": -0.4,
    "hasta": -0.4,
    "aq": -0.9,
    "amk": -0.9,
    "amına": -1.0,
    "aminako": -1.0,
    "siktir": -1.0,
    "sikey": -1.0,
    "sikim": -1.0,
    "sikiyim": -1.0,
    "=sik": -1.0,
    "sokayım": -1.0,
    "sokarım": -1.0,
    "sıçsın": -0.9,
    "sıçtı": -0.9,
    "sıçayım": -0.9,
    "sıçsa": -0.9,
    "sıçmış": -0.9,
    "orospu": -1.0,
    "piç": -1.0,
    "=göt": -0.9,
    "götver": -0.9,
    "ibne": -1.0,
    "yavşak": -1.0,
    "dangalak": -0.9,
    "ahmak": -0.8,
    "=hıyar": -0.7,
    "kahpe": -1.0,
    "şerefsizlik": -1.0,
    "=adi": -0.7,
    "rezillik": -0.9,
    "=mal": -0.4,
    "ezik": -0.7,
    "embesil": -0.9,
    "mankafa": -0.8,
    "hayvan": -0.6,
    "=it": -0.7,
    "köpek": -0.5,
    "puşt": -1.0,
    "kancık": -1.0,
    "=oç": -1.0,
    "=oc": -1.0,
    "kaltak": -1.0,
    "sürtük": -1.0,
    "lavuk": -0.9,
    "keko": -0.7,
    "=çomar": -0.8,
    "yobaz": -0.8,
    "cahil": -0.7,
    "zavallı": -0.6,
    "sefil": -0.7,
    "bozuk": -0.6,
    "çöp": -0.7,
    "vasat": -0.4,
    "idare eder": -0.1,
    "pahalı": -0.5,
    "kazık": -0.8,
    "soygun": -0.8,
    "yavaş": -0.4,
    "gecik": -0.5,
    "ertele": -0.3,
    "iptal": -0.4,
    "skandal": -0.8,
    "utanç": -0.8,
    "yalnız": -0.3,
    "mutsuz": -0.8,
    "huzursuz": -0.7,
    "umutsuz": -0.7,
    "çaresiz": -0.7,
    "kahır": -0.8,
    "dert": -0.5,
    "keder": -0.7,
    "hüzün": -0.5,
    "pişman": -0.6,
    "nankör": -0.8,
    "bencil": -0.6,
    "ikiyüzlü": -0.8,
    "riyakar": -0.8,
    "yazıklar": -0.8,
    "=lan": -0.4,
    "=ulan": -0.6,
    "=sus": -0.3,
    "defol": -0.9,
    "kaybol": -0.5,
    "çirkin": -0.6,
    "kıskan": -0.4,
    "cezası": -0.4,
    "suçlu": -0.6,
    "işe yaramaz": -0.8,
    "sinsi": -0.7,
    "şeytan": -0.6,
    "bela": -0.7,
    "belalı": -0.7,
    "=boktan": -0.9,
    "=bok": -0.9,
    "=deli": -0.3,
    "hastalık": -0.5,
    "çık git": -0.6,
    "hain": -0.9,
    "ihanet": -0.9,
    "yıkıl": -0.5,
    "sömür": -0.7,
    "düşman": -0.7,
    "kahrolsun": -0.9,
    "siker": -1.0,
    "sikem": -1.0,
    "=sokam": -1.0,
    "=sokim": -1.0,
    "=mk": -0.9,
    "=amk": -0.9,
    "amın": -1.0,
    "=koyim": -1.0,
    "=koyam": -1.0,
    "koyayım": -1.0,
    "orosbu": -1.0,
    "oruspu": -1.0,
    "yarra": -1.0,
    "=yarak": -1.0,
    "pezevenk": -1.0,
    "dürzü": -1.0,
    "dallama": -0.9,
    "karaktersiz": -0.9,
    "yüzsüz": -0.9,
    "arsız": -0.8,
    "çirkef": -0.8,
    "=meymun": -0.7,
    "amcık": -1.0,
    "şizofren": -0.6,
    "tipsiz": -0.8,
    "gavat": -1.0,
    "göt veren": -1.0,
    "ananı": -0.9,
    "ananızı": -0.9,
    "bacını": -0.9,
    "şerefsizler": -1.0,
}

INTENSIFIERS: dict[str, float] = {
    "çok": 1.5,
    "aşırı": 1.6,
    "en": 1.3,
    "gerçekten": 1.4,
    "resmen": 1.4,
    "fazla": 1.3,
    "inanılmaz": 1.6,
    "acayip": 1.5,
    "gayet": 1.3,
    "epey": 1.3,
    "son derece": 1.6,
    "bu kadar": 1.4,
    "o kadar": 1.3,
    "tam": 1.2,
    "cidden": 1.3,
    "bayağı": 1.3,
    "hiç": 1.3,
    "biraz": 0.6,
    "az": 0.7,
    "pek": 0.8,
}

NEGATORS: frozenset[str] = frozenset({"değil", "yok"})
