#pragma once

#include "accounts/Account.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class QDnsLookup;
class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace outpost {

class SmtpSession;

/// Where found settings came from, in the order they are tried. Stable names:
/// discoverySourceName().
enum class DiscoverySource
{
    Preset,     ///< built into Outpost for a big provider
    Autoconfig, ///< https://autoconfig.<domain>/mail/config-v1.1.xml (Thunderbird's format)
    WellKnown,  ///< https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml
    Srv,        ///< DNS SRV _submissions._tcp / _submission._tcp (RFC 6186, RFC 8314); IMAP:
                ///< _imaps._tcp / _imap._tcp
    Guess,      ///< smtp.<domain> / mail.<domain> on 465 then 587, probed with EHLO only
};
/// "preset", "autoconfig", "well-known", "srv", "guess".
QString discoverySourceName(DiscoverySource s);

/// How the provider wants a mail program to sign in.
enum class SignIn
{
    Password,    ///< the account's password
    AppPassword, ///< a password made for this program in the provider's security settings
    OAuth,       ///< the provider's sign-in page in the browser (OAuth 2.0)
};
/// "password", "app-password", "oauth".
QString signInName(SignIn s);

/// The IMAP server found for an address, for the copy in the Sent folder (SentCopy.h) and the
/// check of a message whose delivery is uncertain. An empty host: none was found.
struct DiscoveredImap
{
    QString host;
    quint16 port = 993;
    Security security = Security::Tls; ///< Tls (implicit, RFC 8314) or StartTls
    QString user; ///< IMAP login name when the provider says it differs from `user`; else empty
};

/// Submission settings found for an address (and its IMAP server where the source names one),
/// and what the user should know before using them.
struct DiscoveredSettings
{
    DiscoverySource source = DiscoverySource::Preset;
    QString origin; ///< the URL, DNS record or probed host:port the settings came from
    QString host;
    quint16 port = 587;
    Security security = Security::StartTls;
    QString user; ///< login name (the address unless the provider says otherwise)
    /// The IMAP server from the same source (preset, autoconfig incomingServer, SRV _imaps /
    /// _imap); empty host when that source names none. The probe never guesses one.
    DiscoveredImap imap;
    SignIn signIn = SignIn::Password;
    QString oauthProvider; ///< "microsoft" / "google" when signIn is OAuth
    QString providerName;  ///< "Gmail", "Outlook.com / Microsoft 365", ... (presets, autoconfig)
    QString helpUrl;       ///< the provider's page about mail programs (presets)
    /// The server (or the IMAP server) is not the address's own domain's (an SRV target
    /// elsewhere) or was only guessed: the user must confirm it before any password is sent
    /// there.
    bool needsConfirmation = false;
    QString confirmWhy;       ///< why confirmation is needed, in plain words
    QStringList capabilities; ///< EHLO keywords seen by the probe (Guess)
};

/// The built-in settings for a big provider's domain (gmail.com, outlook.com, hotmail.com,
/// icloud.com, yahoo.com, fastmail.com, gmx.*, web.de, mailbox.org, posteo.*), or nothing:
/// its submission server and its IMAP server (all on 993 with implicit TLS). With `address`
/// (local@domain) the login names are filled in: `user` is the address, `imap.user` the local
/// part where the provider wants that for IMAP (iCloud); without it both stay empty.
std::optional<DiscoveredSettings> presetFor(const QString &domain, const QString &address = {});

/// Reads Thunderbird's autoconfig format (config-v1.1.xml) with QXmlStreamReader: the first
/// outgoingServer of type smtp with a usable socketType (SSL, STARTTLS; plain only to nothing:
/// refused), and the first incomingServer of type imap with a usable one (pop3 and plain ones
/// are passed over; none: `imap.host` stays empty). %EMAILADDRESS%, %EMAILLOCALPART% and
/// %EMAILDOMAIN% in the usernames are filled from `address`. Nothing (with *error) when the
/// document holds no usable SMTP server or is not that format.
std::optional<DiscoveredSettings> parseAutoconfig(const QByteArray &xml, const QString &address,
                                                  QString *error);

/// Seams for tests (and the ways a caller can narrow the search).
struct DiscoveryOptions
{
    int stepTimeoutMs = 8000; ///< each HTTPS fetch, DNS query and probe (ms)
    bool usePresets = true;
    bool useProbe = true; ///< the last step connects to guessed hosts (EHLO, no login)
    /// Extra trusted CA certificates for the HTTPS fetches and the probe (tests).
    QList<QSslCertificate> extraCaCertificates;
    /// Where to really connect for a host and port (tests send everything to 127.0.0.1);
    /// empty = the host itself. TLS still checks the certificate against the host name.
    std::function<QPair<QString, quint16>(const QString &host, quint16 port)> connectTo;
    /// The DNS server for the SRV queries (port 53); null = the system's.
    QHostAddress nameserver;
};

/// Finds submission settings for an e-mail address, and the IMAP server where the same source
/// names one, as Thunderbird does (without anything that needs credentials): presets, then
/// autoconfig over HTTPS (both URLs), then DNS SRV records (once a submission record is found,
/// _imaps._tcp then _imap._tcp for the IMAP server, RFC 6186 §3.2), then a live probe of
/// smtp.<domain> and mail.<domain> on 465 (implicit TLS) and 587 (STARTTLS) that says EHLO and
/// QUITs — no password is ever sent by discovery. Every step is bounded by
/// DiscoveryOptions::stepTimeoutMs. Ends in finished() exactly once.
class AccountDiscovery : public QObject
{
    Q_OBJECT
public:
    explicit AccountDiscovery(DiscoveryOptions options = {}, QObject *parent = nullptr);
    ~AccountDiscovery() override;

    /// Starts looking for `address` (local@domain). finished() follows, never synchronously.
    void start(const QString &address);
    /// Stops looking; finished() reports nothing found.
    void cancel();

    /// What was tried so far, one line each ("autoconfig https://…: 404").
    const QStringList &tried() const { return m_tried; }

signals:
    /// A step begins (for a progress line).
    void stepStarted(outpost::DiscoverySource step, const QString &what);
    /// The outcome: the settings found, or nothing; `tried` lists every step and its result.
    void finished(const std::optional<outpost::DiscoveredSettings> &found,
                  const QStringList &tried);

private:
    void nextStep();
    void fetchAutoconfig(const QString &url, DiscoverySource source);
    void lookupSrv(int index);
    void lookupImapSrv(int index);
    /// Asks DNS for the SRV records of `name` (a step of its own, with the step timer); `done`
    /// gets the finished lookup unless discovery ended meanwhile.
    void querySrv(const QString &name, std::function<void(const QDnsLookup *)> done);
    void probe(int index);
    void finish(const std::optional<DiscoveredSettings> &found);
    void startStepTimer();

    DiscoveryOptions m_options;
    QString m_address;
    QString m_domain;
    int m_step = 0;
    bool m_done = false;
    QStringList m_tried;
    QNetworkAccessManager *m_nam = nullptr;
    QPointer<QNetworkReply> m_reply;
    QPointer<QDnsLookup> m_dns;
    /// The submission server found by SRV while its IMAP SRV records are being asked for.
    std::optional<DiscoveredSettings> m_srvFound;
    QPointer<SmtpSession> m_session;
    QTimer *m_timer = nullptr;
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::DiscoveredSettings)
Q_DECLARE_METATYPE(std::optional<outpost::DiscoveredSettings>)
