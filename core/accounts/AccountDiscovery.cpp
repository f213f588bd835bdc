#include "AccountDiscovery.h"

#include "smtp/SmtpSession.h"

#include <QDnsLookup>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QTimer>
#include <QUrl>
#include <QXmlStreamReader>

#include <algorithm>

namespace outpost {

namespace {

/// The server an SRV answer names (RFC 2782: the lowest priority first, then the highest
/// weight), its target without the final dot; an empty host or port 0 is "." (no service).
struct SrvTarget
{
    QString host;
    quint16 port = 0;
};

/// What `dns` answered, or nullopt when it failed or found no record (then `*why` says which).
std::optional<SrvTarget> srvTarget(const QDnsLookup *dns, QString *why)
{
    QList<QDnsServiceRecord> records = dns->serviceRecords();
    if (dns->error() != QDnsLookup::NoError || records.isEmpty()) {
        *why =
            dns->error() == QDnsLookup::NoError ? QStringLiteral("no record") : dns->errorString();
        return std::nullopt;
    }
    std::sort(records.begin(), records.end(),
              [](const QDnsServiceRecord &a, const QDnsServiceRecord &b) {
                  return a.priority() != b.priority() ? a.priority() < b.priority()
                                                      : a.weight() > b.weight();
              });
    SrvTarget t{records.first().target(), records.first().port()};
    if (t.host.endsWith(QLatin1Char('.')))
        t.host.chop(1);
    return t;
}

/// The largest autoconfig document read (octets): the real ones are a few KB.
constexpr qint64 kMaxAutoconfigOctets = 256 * 1024;

struct Preset
{
    QList<const char *> domains;
    const char *name;
    const char *host;
    quint16 port;
    Security security;
    SignIn signIn;
    const char *oauth; ///< provider id for SignIn::OAuth
    const char *help;
    const char *imapHost; ///< every preset's IMAP server is on 993 with implicit TLS
    bool imapLocalPart;   ///< the IMAP login is the address's local part (iCloud)
};

// Submission and IMAP settings the providers publish for mail programs (their help pages).
const Preset kPresets[] = {
    {{"gmail.com", "googlemail.com"},
     "Gmail",
     "smtp.gmail.com",
     465,
     Security::Tls,
     SignIn::OAuth,
     "google",
     "https://support.google.com/mail/answer/7126229",
     "imap.gmail.com",
     false},
    {{"outlook.com", "hotmail.com", "live.com", "msn.com", "outlook.de", "hotmail.de", "live.de",
      "outlook.fr", "hotmail.fr", "hotmail.co.uk", "live.co.uk"},
     "Outlook.com / Microsoft 365",
     "smtp-mail.outlook.com",
     587,
     Security::StartTls,
     SignIn::OAuth,
     "microsoft",
     "https://support.microsoft.com/office/d088b986-291d-42b8-9564-9c414e2aa040",
     "outlook.office365.com",
     false},
    {{"yahoo.com", "ymail.com", "rocketmail.com", "yahoo.de", "yahoo.fr", "yahoo.co.uk"},
     "Yahoo Mail",
     "smtp.mail.yahoo.com",
     465,
     Security::Tls,
     SignIn::AppPassword,
     "",
     "https://help.yahoo.com/kb/SLN4075.html",
     "imap.mail.yahoo.com",
     false},
    {{"icloud.com", "me.com", "mac.com"},
     "iCloud Mail",
     "smtp.mail.me.com",
     587,
     Security::StartTls,
     SignIn::AppPassword,
     "",
     "https://support.apple.com/102525",
     "imap.mail.me.com",
     true},
    {{"fastmail.com", "fastmail.fm", "fastmail.net", "fastmail.org", "fastmail.de"},
     "Fastmail",
     "smtp.fastmail.com",
     465,
     Security::Tls,
     SignIn::AppPassword,
     "",
     "https://www.fastmail.help/hc/en-us/articles/1500000278342",
     "imap.fastmail.com",
     false},
    {{"gmx.net", "gmx.de", "gmx.at", "gmx.ch"},
     "GMX",
     "mail.gmx.net",
     587,
     Security::StartTls,
     SignIn::Password,
     "",
     "https://hilfe.gmx.net/pop-imap/einschalten.html",
     "imap.gmx.net",
     false},
    {{"gmx.com", "gmx.co.uk", "gmx.fr", "gmx.es"},
     "GMX",
     "mail.gmx.com",
     587,
     Security::StartTls,
     SignIn::Password,
     "",
     "https://support.gmx.com/pop-imap/toggle.html",
     "imap.gmx.com",
     false},
    {{"web.de"},
     "WEB.DE",
     "smtp.web.de",
     587,
     Security::StartTls,
     SignIn::Password,
     "",
     "https://hilfe.web.de/pop-imap/einschalten.html",
     "imap.web.de",
     false},
    {{"mailbox.org"},
     "mailbox.org",
     "smtp.mailbox.org",
     465,
     Security::Tls,
     SignIn::Password,
     "",
     "https://kb.mailbox.org/en/private/e-mail/mailbox-org-email-settings",
     "imap.mailbox.org",
     false},
    {{"posteo.de", "posteo.net", "posteo.at", "posteo.ch", "posteo.eu", "posteo.org"},
     "Posteo",
     "posteo.de",
     465,
     Security::Tls,
     SignIn::Password,
     "",
     "https://posteo.de/en/help/how-do-i-set-up-posteo-in-an-email-client-pop3-imap-and-smtp",
     "posteo.de",
     false},
};

/// The probe's targets in order: smtp.<domain> then mail.<domain>, each on 465 then 587.
struct ProbeTarget
{
    const char *prefix;
    quint16 port;
    Security security;
};
const ProbeTarget kProbes[] = {{"smtp.", 465, Security::Tls},
                               {"smtp.", 587, Security::StartTls},
                               {"mail.", 465, Security::Tls},
                               {"mail.", 587, Security::StartTls}};

/// The steps of start(), in order.
enum Step
{
    StepPreset,
    StepAutoconfig,
    StepWellKnown,
    StepSrvSubmissions,
    StepSrvSubmission,
    StepProbe, // and the probes after it
};

/// True when `host` is `domain` or a name under it.
bool withinDomain(const QString &host, const QString &domain)
{
    const QString h = host.toLower();
    const QString d = domain.toLower();
    return h == d || h.endsWith(QLatin1Char('.') + d);
}

} // namespace

QString discoverySourceName(DiscoverySource s)
{
    switch (s) {
    case DiscoverySource::Preset:
        return QStringLiteral("preset");
    case DiscoverySource::Autoconfig:
        return QStringLiteral("autoconfig");
    case DiscoverySource::WellKnown:
        return QStringLiteral("well-known");
    case DiscoverySource::Srv:
        return QStringLiteral("srv");
    case DiscoverySource::Guess:
        return QStringLiteral("guess");
    }
    return {};
}

QString signInName(SignIn s)
{
    switch (s) {
    case SignIn::Password:
        return QStringLiteral("password");
    case SignIn::AppPassword:
        return QStringLiteral("app-password");
    case SignIn::OAuth:
        return QStringLiteral("oauth");
    }
    return {};
}

std::optional<DiscoveredSettings> presetFor(const QString &domain, const QString &address)
{
    const QByteArray d = domain.toLower().toLatin1();
    for (const Preset &p : kPresets) {
        if (std::none_of(p.domains.cbegin(), p.domains.cend(),
                         [&](const char *x) { return d == x; }))
            continue;
        DiscoveredSettings s;
        s.source = DiscoverySource::Preset;
        s.origin = QStringLiteral("Outpost's settings for %1").arg(QLatin1String(p.name));
        s.host = QLatin1String(p.host);
        s.port = p.port;
        s.security = p.security;
        s.signIn = p.signIn;
        s.oauthProvider = QLatin1String(p.oauth);
        s.providerName = QLatin1String(p.name);
        s.helpUrl = QLatin1String(p.help);
        s.imap.host = QLatin1String(p.imapHost);
        s.imap.port = 993;
        s.imap.security = Security::Tls;
        if (!address.isEmpty()) {
            s.user = address;
            if (p.imapLocalPart)
                s.imap.user = address.left(address.lastIndexOf(QLatin1Char('@')));
        }
        return s;
    }
    return std::nullopt;
}

std::optional<DiscoveredSettings> parseAutoconfig(const QByteArray &xml, const QString &address,
                                                  QString *error)
{
    const qsizetype at = address.lastIndexOf(QLatin1Char('@'));
    const QString local = address.left(at);
    const QString domain = address.mid(at + 1);
    const auto fill = [&](QString user) {
        user.replace(QLatin1String("%EMAILADDRESS%"), address);
        user.replace(QLatin1String("%EMAILLOCALPART%"), local);
        user.replace(QLatin1String("%EMAILDOMAIN%"), domain);
        return user.isEmpty() ? address : user;
    };
    QXmlStreamReader r(xml);
    QString provider;
    bool sawConfig = false;
    std::optional<DiscoveredSettings> smtp;
    std::optional<DiscoveredImap> imap;
    while (r.readNextStartElement()) {
        if (r.name() == QLatin1String("clientConfig")) {
            sawConfig = true;
            continue; // its children
        }
        if (r.name() == QLatin1String("emailProvider")) {
            continue;
        }
        if (r.name() == QLatin1String("displayName") && provider.isEmpty()) {
            provider = r.readElementText().trimmed();
            continue;
        }
        const bool outgoing = r.name() == QLatin1String("outgoingServer");
        if (!outgoing && r.name() != QLatin1String("incomingServer")) {
            r.skipCurrentElement();
            continue;
        }
        // outgoingServer type="smtp" and incomingServer type="imap" have the same children.
        const bool wanted = r.attributes().value(QLatin1String("type")) ==
                            (outgoing ? QLatin1String("smtp") : QLatin1String("imap"));
        QString host, socketType, user;
        quint16 port = 0;
        QStringList auths;
        while (r.readNextStartElement()) {
            const auto n = r.name();
            if (n == QLatin1String("hostname"))
                host = r.readElementText().trimmed();
            else if (n == QLatin1String("port"))
                port = quint16(r.readElementText().trimmed().toUInt());
            else if (n == QLatin1String("socketType"))
                socketType = r.readElementText().trimmed();
            else if (n == QLatin1String("username"))
                user = r.readElementText().trimmed();
            else if (n == QLatin1String("authentication"))
                auths << r.readElementText().trimmed();
            else
                r.skipCurrentElement();
        }
        if (!wanted || host.isEmpty() || port == 0 || (outgoing ? bool(smtp) : bool(imap)))
            continue;
        Security security;
        if (socketType.compare(QLatin1String("SSL"), Qt::CaseInsensitive) == 0)
            security = Security::Tls;
        else if (socketType.compare(QLatin1String("STARTTLS"), Qt::CaseInsensitive) == 0)
            security = Security::StartTls;
        else
            continue; // plain: never offered for a password
        if (!outgoing) {
            imap = DiscoveredImap{host, port, security, fill(user)};
            continue;
        }
        DiscoveredSettings s;
        s.host = host;
        s.port = port;
        s.security = security;
        s.user = fill(user);
        if (auths.contains(QLatin1String("OAuth2"), Qt::CaseInsensitive) &&
            !auths.contains(QLatin1String("password-cleartext"), Qt::CaseInsensitive))
            s.signIn = SignIn::OAuth;
        smtp = s;
    }
    if (!smtp) {
        if (error)
            *error = !sawConfig     ? QStringLiteral("not an autoconfig document")
                     : r.hasError() ? QStringLiteral("not valid XML: %1").arg(r.errorString())
                                    : QStringLiteral("no SMTP server with TLS in it");
        return std::nullopt;
    }
    DiscoveredSettings s = *smtp;
    s.providerName = provider;
    if (imap) {
        s.imap = *imap;
        if (s.imap.user == s.user)
            s.imap.user.clear(); // the same login as for sending
    }
    // Every server the document names outside the address's domain must be confirmed: the
    // password would go there.
    QStringList elsewhere;
    if (!withinDomain(s.host, domain))
        elsewhere << s.host;
    if (!s.imap.host.isEmpty() && !withinDomain(s.imap.host, domain) &&
        s.imap.host.compare(s.host, Qt::CaseInsensitive) != 0)
        elsewhere << s.imap.host;
    s.needsConfirmation = !elsewhere.isEmpty();
    if (elsewhere.size() == 1)
        s.confirmWhy = QStringLiteral("the server %1 is not in %2").arg(elsewhere[0], domain);
    else if (elsewhere.size() == 2)
        s.confirmWhy = QStringLiteral("the servers %1 and %2 are not in %3")
                           .arg(elsewhere[0], elsewhere[1], domain);
    return s;
}

AccountDiscovery::AccountDiscovery(DiscoveryOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_nam(new QNetworkAccessManager(this))
    , m_timer(new QTimer(this))
{
    qRegisterMetaType<std::optional<DiscoveredSettings>>();
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, [this] {
        m_tried
            << QStringLiteral("  (no answer within %1 s)").arg(m_options.stepTimeoutMs / 1000.0);
        if (m_reply)
            m_reply->abort(); // finished() follows and moves on
        else if (m_dns) {
            m_dns->abort();
        } else if (m_session) {
            m_session->abort();
        }
    });
    m_nam->setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
}

AccountDiscovery::~AccountDiscovery()
{
    m_done = true;
    if (m_reply)
        m_reply->abort();
    if (m_session)
        m_session->abort();
}

void AccountDiscovery::start(const QString &address)
{
    m_address = address.trimmed();
    const qsizetype at = m_address.lastIndexOf(QLatin1Char('@'));
    m_domain = at > 0 ? m_address.mid(at + 1).toLower() : QString();
    m_step = StepPreset;
    QTimer::singleShot(0, this, [this] {
        if (m_domain.isEmpty() || m_domain.contains(QLatin1Char('/'))) {
            m_tried << QStringLiteral("%1 is not an e-mail address").arg(m_address);
            finish(std::nullopt);
            return;
        }
        nextStep();
    });
}

void AccountDiscovery::cancel()
{
    finish(std::nullopt);
}

void AccountDiscovery::startStepTimer()
{
    m_timer->start(std::max(1, m_options.stepTimeoutMs));
}

void AccountDiscovery::nextStep()
{
    if (m_done)
        return;
    const int step = m_step++;
    switch (step) {
    case StepPreset:
        if (m_options.usePresets) {
            if (auto p = presetFor(m_domain, m_address)) {
                m_tried << QStringLiteral("preset: %1").arg(p->providerName);
                finish(p);
                return;
            }
            m_tried << QStringLiteral("preset: none for %1").arg(m_domain);
        }
        nextStep();
        return;
    case StepAutoconfig: {
        QUrl url(QStringLiteral("https://autoconfig.%1/mail/config-v1.1.xml").arg(m_domain));
        // As Thunderbird asks: the address percent-encoded ("alice%40example.org").
        url.setQuery(QStringLiteral("emailaddress=") +
                         QString::fromLatin1(QUrl::toPercentEncoding(m_address)),
                     QUrl::StrictMode);
        fetchAutoconfig(url.toString(QUrl::FullyEncoded), DiscoverySource::Autoconfig);
        return;
    }
    case StepWellKnown:
        fetchAutoconfig(
            QStringLiteral("https://%1/.well-known/autoconfig/mail/config-v1.1.xml").arg(m_domain),
            DiscoverySource::WellKnown);
        return;
    case StepSrvSubmissions:
        lookupSrv(0);
        return;
    case StepSrvSubmission:
        lookupSrv(1);
        return;
    default: {
        const int probeIndex = step - StepProbe;
        if (!m_options.useProbe || probeIndex >= int(std::size(kProbes))) {
            finish(std::nullopt);
            return;
        }
        probe(probeIndex);
        return;
    }
    }
}

void AccountDiscovery::fetchAutoconfig(const QString &urlText, DiscoverySource source)
{
    const QUrl original(urlText);
    QUrl url = original;
    QNetworkRequest request;
    if (m_options.connectTo) {
        const auto [host, port] = m_options.connectTo(original.host(), 443);
        url.setHost(host);
        url.setPort(port);
        request.setPeerVerifyName(original.host());
    }
    request.setUrl(url);
    request.setTransferTimeout(std::max(1, m_options.stepTimeoutMs));
    request.setMaximumRedirectsAllowed(3);
    if (!m_options.extraCaCertificates.isEmpty()) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        QList<QSslCertificate> cas = ssl.caCertificates();
        cas += m_options.extraCaCertificates;
        ssl.setCaCertificates(cas);
        request.setSslConfiguration(ssl);
    }
    emit stepStarted(source, urlText);
    m_reply = m_nam->get(request);
    startStepTimer();
    QNetworkReply *reply = m_reply;
    connect(reply, &QNetworkReply::downloadProgress, this, [reply](qint64 received, qint64) {
        if (received > kMaxAutoconfigOctets)
            reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply, source, urlText] {
        reply->deleteLater();
        m_timer->stop();
        if (m_done)
            return;
        const QString name = discoverySourceName(source);
        if (reply->error() != QNetworkReply::NoError) {
            m_tried << QStringLiteral("%1 %2: %3").arg(name, urlText, reply->errorString());
            nextStep();
            return;
        }
        QString why;
        auto found = parseAutoconfig(reply->read(kMaxAutoconfigOctets), m_address, &why);
        if (!found) {
            m_tried << QStringLiteral("%1 %2: %3").arg(name, urlText, why);
            nextStep();
            return;
        }
        found->source = source;
        found->origin = urlText;
        m_tried << QStringLiteral("%1 %2: %3:%4").arg(name, urlText, found->host).arg(found->port);
        finish(found);
    });
}

void AccountDiscovery::lookupSrv(int index)
{
    // RFC 8314 §5.1 prefers implicit TLS (_submissions) over STARTTLS (_submission, RFC 6186).
    const QString name =
        (index == 0 ? QStringLiteral("_submissions._tcp.") : QStringLiteral("_submission._tcp.")) +
        m_domain;
    querySrv(name, [this, name, index](const QDnsLookup *dns) {
        QString why;
        const std::optional<SrvTarget> r = srvTarget(dns, &why);
        if (!r) {
            m_tried << QStringLiteral("srv %1: %2").arg(name, why);
            nextStep();
            return;
        }
        const QString &target = r->host;
        if (target.isEmpty() || r->port == 0) {
            m_tried << QStringLiteral("srv %1: the domain says it offers no submission").arg(name);
            nextStep();
            return;
        }
        DiscoveredSettings s;
        s.source = DiscoverySource::Srv;
        s.origin = QStringLiteral("%1 SRV %2 %3").arg(name, target).arg(r->port);
        s.host = target;
        s.port = r->port;
        s.security = index == 0 ? Security::Tls : Security::StartTls;
        s.user = m_address;
        s.needsConfirmation = !withinDomain(target, m_domain);
        if (s.needsConfirmation)
            s.confirmWhy =
                QStringLiteral("%1's DNS names a server outside it: %2").arg(m_domain, target);
        m_tried << QStringLiteral("srv %1: %2:%3").arg(name, target).arg(r->port);
        // The domain publishes its services in DNS: its IMAP server is asked for there too.
        m_srvFound = s;
        lookupImapSrv(0);
    });
}

void AccountDiscovery::lookupImapSrv(int index)
{
    // RFC 6186 §3.2 with RFC 8314 §5.1: _imaps (implicit TLS) before _imap (STARTTLS); no
    // record, a failed query or "." (no service) leave the found submission server without
    // an IMAP server.
    const QString name =
        (index == 0 ? QStringLiteral("_imaps._tcp.") : QStringLiteral("_imap._tcp.")) + m_domain;
    querySrv(name, [this, name, index](const QDnsLookup *dns) {
        if (!m_srvFound)
            return;
        QString why;
        const std::optional<SrvTarget> r = srvTarget(dns, &why);
        if (!r) {
            m_tried << QStringLiteral("srv %1: %2").arg(name, why);
            if (index == 0)
                lookupImapSrv(1);
            else
                finish(m_srvFound);
            return;
        }
        const QString &target = r->host;
        DiscoveredSettings s = *m_srvFound;
        if (target.isEmpty() || r->port == 0) {
            m_tried << QStringLiteral("srv %1: the domain says it offers no IMAP").arg(name);
            finish(s);
            return;
        }
        s.imap.host = target;
        s.imap.port = r->port;
        s.imap.security = index == 0 ? Security::Tls : Security::StartTls;
        s.origin += QStringLiteral(", %1 SRV %2 %3").arg(name, target).arg(r->port);
        if (!withinDomain(target, m_domain)) {
            const QString why = QStringLiteral("%1's DNS names an IMAP server outside it: %2")
                                    .arg(m_domain, target);
            s.confirmWhy = s.needsConfirmation ? s.confirmWhy + QStringLiteral("; ") + why : why;
            s.needsConfirmation = true;
        }
        m_tried << QStringLiteral("srv %1: %2:%3").arg(name, target).arg(r->port);
        finish(s);
    });
}

void AccountDiscovery::querySrv(const QString &name, std::function<void(const QDnsLookup *)> done)
{
    emit stepStarted(DiscoverySource::Srv, name);
    auto *dns = new QDnsLookup(QDnsLookup::SRV, name, this);
    if (!m_options.nameserver.isNull())
        dns->setNameserver(m_options.nameserver);
    m_dns = dns;
    connect(dns, &QDnsLookup::finished, this, [this, dns, done = std::move(done)] {
        dns->deleteLater();
        m_timer->stop();
        if (!m_done)
            done(dns);
    });
    dns->lookup();
    startStepTimer();
}

void AccountDiscovery::probe(int index)
{
    const ProbeTarget &t = kProbes[index];
    const QString host = QLatin1String(t.prefix) + m_domain;
    SessionConfig c;
    c.host = host;
    c.port = t.port;
    c.security = t.security;
    if (m_options.connectTo) {
        const auto [address, port] = m_options.connectTo(host, t.port);
        c.connectHost = address;
        c.port = port;
    }
    c.extraCaCertificates = m_options.extraCaCertificates;
    c.connectTimeoutMs = c.greetingTimeoutMs = c.commandTimeoutMs = m_options.stepTimeoutMs;
    c.quitTimeoutMs = std::min(m_options.stepTimeoutMs, 2000);
    c.logTag = QStringLiteral("probe");
    // No credentials: the session stops after EHLO (and STARTTLS), before AUTH.
    const QString what =
        QStringLiteral("%1:%2 (%3)").arg(host).arg(t.port).arg(securityName(t.security));
    emit stepStarted(DiscoverySource::Guess, what);
    auto *session = new SmtpSession(c, this);
    m_session = session;
    connect(session, &SmtpSession::ready, this, [this, session, host, t, what] {
        m_timer->stop();
        DiscoveredSettings s;
        s.source = DiscoverySource::Guess;
        s.origin = QStringLiteral("probe of %1").arg(what);
        s.host = host;
        s.port = t.port;
        s.security = t.security;
        s.user = m_address;
        s.capabilities = session->capabilities().describe();
        s.needsConfirmation = true;
        s.confirmWhy = QStringLiteral("Outpost guessed %1; it answered, but nothing from %2 says "
                                      "it is the right server")
                           .arg(host, m_domain);
        m_tried << QStringLiteral("probe %1: answered").arg(what);
        session->quit();
        finish(s);
    });
    connect(session, &SmtpSession::openFailed, this, [this, what](const SmtpResult &r) {
        m_timer->stop();
        m_tried << QStringLiteral("probe %1: %2")
                       .arg(what, r.detail.isEmpty() ? errorClassName(r.errorClass) : r.detail);
    });
    connect(session, &SmtpSession::closed, this, [this, session] {
        session->deleteLater();
        if (!m_done)
            nextStep();
    });
    session->open();
    startStepTimer();
}

void AccountDiscovery::finish(const std::optional<DiscoveredSettings> &found)
{
    if (m_done)
        return;
    m_done = true;
    m_timer->stop();
    if (m_reply)
        m_reply->abort();
    if (m_dns)
        m_dns->abort();
    const QStringList tried = m_tried;
    QTimer::singleShot(0, this, [this, found, tried] { emit finished(found, tried); });
}

} // namespace outpost
