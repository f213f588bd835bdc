#include "Sasl.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QPasswordDigestor>
#include <QRandomGenerator>

namespace outpost {

namespace {

const QByteArray kPlain = QByteArrayLiteral("PLAIN");
const QByteArray kLogin = QByteArrayLiteral("LOGIN");
const QByteArray kCramMd5 = QByteArrayLiteral("CRAM-MD5");
const QByteArray kScramSha256 = QByteArrayLiteral("SCRAM-SHA-256");
const QByteArray kXoauth2 = QByteArrayLiteral("XOAUTH2");
const QByteArray kOauthBearer = QByteArrayLiteral("OAUTHBEARER");

// Summarises an OAuth error challenge (JSON, RFC 7628 §3.2.2 / Google's XOAUTH2) for logs.
QString oauthErrorText(const QByteArray &challenge)
{
    const QJsonDocument doc = QJsonDocument::fromJson(challenge);
    if (!doc.isObject())
        return QStringLiteral("server sent an error challenge (not JSON)");
    const QJsonObject o = doc.object();
    QStringList parts;
    for (const char *key : {"status", "schemes", "scope"}) {
        const QString k = QString::fromLatin1(key);
        if (o.contains(k))
            parts << k + QLatin1Char('=') + o.value(k).toVariant().toString();
    }
    return QStringLiteral("server refused the token (%1)").arg(parts.join(QLatin1String(", ")));
}

/// RFC 4616: [authzid] NUL authcid NUL passwd.
class PlainMechanism final : public SaslMechanism
{
public:
    explicit PlainMechanism(const SaslCredentials &c)
        : m_creds(c)
    {}
    QByteArray name() const override { return kPlain; }
    std::optional<QByteArray> initialResponse() override { return message(); }
    std::optional<QByteArray> respond(const QByteArray &challenge) override
    {
        // Only an empty challenge (server ignored or was not given the initial response).
        if (!challenge.isEmpty() || m_done || m_failed) {
            m_error = QStringLiteral("PLAIN: unexpected server challenge");
            m_failed = true;
            return std::nullopt;
        }
        return message();
    }
    bool isComplete() const override { return m_done && !m_failed; }

private:
    QByteArray message()
    {
        m_done = true;
        return '\0' + m_creds.user.toUtf8() + '\0' + m_creds.password.toUtf8();
    }
    SaslCredentials m_creds;
    bool m_done = false;
    bool m_failed = false;
};

/// The LOGIN mechanism (draft-murchison-sasl-login): user name, then password, each in
/// answer to one challenge whatever its text ("Username:" / "Password:" by convention).
class LoginMechanism final : public SaslMechanism
{
public:
    explicit LoginMechanism(const SaslCredentials &c)
        : m_creds(c)
    {}
    QByteArray name() const override { return kLogin; }
    std::optional<QByteArray> initialResponse() override { return std::nullopt; }
    std::optional<QByteArray> respond(const QByteArray &) override
    {
        switch (m_step++) {
        case 0:
            return m_creds.user.toUtf8();
        case 1:
            return m_creds.password.toUtf8();
        default:
            m_error = QStringLiteral("LOGIN: unexpected third server challenge");
            return std::nullopt;
        }
    }
    bool isComplete() const override { return m_step == 2; }

private:
    SaslCredentials m_creds;
    int m_step = 0;
};

/// RFC 2195: user SP lower-case hex HMAC-MD5(password, challenge).
class CramMd5Mechanism final : public SaslMechanism
{
public:
    explicit CramMd5Mechanism(const SaslCredentials &c)
        : m_creds(c)
    {}
    QByteArray name() const override { return kCramMd5; }
    std::optional<QByteArray> initialResponse() override { return std::nullopt; }
    std::optional<QByteArray> respond(const QByteArray &challenge) override
    {
        if (m_done || m_failed || challenge.isEmpty()) {
            m_error = challenge.isEmpty() && !m_done
                          ? QStringLiteral("CRAM-MD5: empty server challenge")
                          : QStringLiteral("CRAM-MD5: unexpected second server challenge");
            m_failed = true;
            return std::nullopt;
        }
        m_done = true;
        const QByteArray digest = QMessageAuthenticationCode::hash(
            challenge, m_creds.password.toUtf8(), QCryptographicHash::Md5);
        return m_creds.user.toUtf8() + ' ' + digest.toHex();
    }
    bool isComplete() const override { return m_done && !m_failed; }

private:
    SaslCredentials m_creds;
    bool m_done = false;
    bool m_failed = false;
};

/// Google's and Microsoft's XOAUTH2: "user=" U ^A "auth=Bearer " T ^A ^A. An error comes as a
/// JSON challenge that the client answers with an empty response; the server then sends 535.
class Xoauth2Mechanism final : public SaslMechanism
{
public:
    explicit Xoauth2Mechanism(const SaslCredentials &c)
        : m_creds(c)
    {}
    QByteArray name() const override { return kXoauth2; }
    std::optional<QByteArray> initialResponse() override
    {
        m_sent = true;
        return "user=" + m_creds.user.toUtf8() +
               "\x01"
               "auth=Bearer " +
               m_creds.oauthToken.toUtf8() + "\x01\x01";
    }
    std::optional<QByteArray> respond(const QByteArray &challenge) override
    {
        if (!m_sent && challenge.isEmpty())
            return initialResponse();
        if (m_failed) {
            m_error = QStringLiteral("XOAUTH2: unexpected server challenge after the error");
            return std::nullopt;
        }
        m_failed = true;
        m_error = oauthErrorText(challenge);
        return QByteArray();
    }
    bool isComplete() const override { return m_sent && !m_failed; }

private:
    SaslCredentials m_creds;
    bool m_sent = false;
    bool m_failed = false;
};

// RFC 5801 §4 saslname: '=' and ',' are escaped as "=3D" and "=2C" (also used by SCRAM,
// RFC 5802 §5.1).
QByteArray escapeSaslName(const QByteArray &name)
{
    QByteArray out;
    out.reserve(name.size());
    for (const char c : name) {
        if (c == '=')
            out += "=3D";
        else if (c == ',')
            out += "=2C";
        else
            out += c;
    }
    return out;
}

/// RFC 7628 §3.1: gs2-header "n,a=" user "," ^A ["host=" H ^A "port=" P ^A]
/// "auth=Bearer " T ^A ^A. An error comes as a JSON challenge answered with a single ^A
/// (§3.2.3); the server then sends 535.
class OauthBearerMechanism final : public SaslMechanism
{
public:
    explicit OauthBearerMechanism(const SaslCredentials &c)
        : m_creds(c)
    {}
    QByteArray name() const override { return kOauthBearer; }
    std::optional<QByteArray> initialResponse() override
    {
        m_sent = true;
        QByteArray out = "n,";
        if (!m_creds.user.isEmpty())
            out += "a=" + escapeSaslName(m_creds.user.toUtf8());
        out += ",\x01";
        if (!m_creds.host.isEmpty())
            out += "host=" + m_creds.host.toUtf8() + '\x01';
        if (m_creds.port > 0)
            out += "port=" + QByteArray::number(m_creds.port) + '\x01';
        out += "auth=Bearer " + m_creds.oauthToken.toUtf8() + "\x01\x01";
        return out;
    }
    std::optional<QByteArray> respond(const QByteArray &challenge) override
    {
        if (!m_sent && challenge.isEmpty())
            return initialResponse();
        if (m_failed) {
            m_error = QStringLiteral("OAUTHBEARER: unexpected server challenge after the error");
            return std::nullopt;
        }
        m_failed = true;
        m_error = oauthErrorText(challenge);
        return QByteArrayLiteral("\x01");
    }
    bool isComplete() const override { return m_sent && !m_failed; }

private:
    SaslCredentials m_creds;
    bool m_sent = false;
    bool m_failed = false;
};

// A light SASLprep (RFC 4013): non-ASCII spaces become SPACE, characters "commonly mapped to
// nothing" (RFC 3454 B.1) are dropped, then NFKC. Returns false for control characters
// (prohibited, RFC 4013 §2.3). Bidi and unassigned code point checks are not done.
bool saslPrep(const QString &in, QString *out)
{
    QString mapped;
    mapped.reserve(in.size());
    for (const QChar ch : in) {
        const char16_t u = ch.unicode();
        if (u < 0x20 || u == 0x7F || (u >= 0x80 && u < 0xA0))
            return false;
        if (u == 0x00AD || u == 0x034F || u == 0x1806 || (u >= 0x180B && u <= 0x180D) ||
            (u >= 0x200B && u <= 0x200D) || u == 0x2060 || (u >= 0xFE00 && u <= 0xFE0F) ||
            u == 0xFEFF)
            continue;
        if (u >= 0x80 && ch.isSpace())
            mapped += QLatin1Char(' ');
        else
            mapped += ch;
    }
    *out = mapped.normalized(QString::NormalizationForm_KC);
    return true;
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

// Splits "k=v,k=v" into attributes in order; false when an element is not "k=...".
bool parseScramAttributes(const QByteArray &msg, QList<QPair<char, QByteArray>> *out)
{
    for (const QByteArray &part : msg.split(',')) {
        if (part.size() < 2 || part[1] != '=')
            return false;
        out->append({part[0], part.mid(2)});
    }
    return true;
}

/// RFC 5802 / RFC 7677, without channel binding ("n,,").
class ScramSha256Mechanism final : public SaslMechanism
{
public:
    static constexpr int kMaxIterations = 1000000; // bounds the PBKDF2 work a server can ask for

    ScramSha256Mechanism(const SaslCredentials &c, std::function<QByteArray()> nonce)
        : m_creds(c)
        , m_nonce(std::move(nonce))
    {}
    QByteArray name() const override { return kScramSha256; }

    std::optional<QByteArray> initialResponse() override
    {
        QString user;
        if (!saslPrep(m_creds.user, &user)) {
            m_error = QStringLiteral("SCRAM-SHA-256: control character in the user name");
            m_step = Step::Failed; // "AUTH SCRAM-SHA-256" alone; respond() then fails
            return std::nullopt;
        }
        QByteArray nonce = m_nonce ? m_nonce() : QByteArray();
        if (nonce.isEmpty()) {
            quint32 words[5];
            QRandomGenerator::system()->fillRange(words);
            nonce = QByteArray(reinterpret_cast<const char *>(words), sizeof words).toBase64();
        }
        for (const char c : nonce) {
            if (c < 0x21 || c > 0x7E || c == ',') {
                nonce = nonce.toBase64();
                break;
            }
        }
        m_clientNonce = nonce;
        m_clientFirstBare = "n=" + escapeSaslName(user.toUtf8()) + ",r=" + m_clientNonce;
        m_step = Step::SentFirst;
        return "n,," + m_clientFirstBare;
    }

    std::optional<QByteArray> respond(const QByteArray &challenge) override
    {
        switch (m_step) {
        case Step::Start:
            if (challenge.isEmpty())
                return initialResponse();
            return fail(QStringLiteral("unexpected challenge before the client-first message"));
        case Step::SentFirst:
            return serverFirst(challenge);
        case Step::SentFinal:
            return serverFinal(challenge);
        case Step::Verified:
            return fail(QStringLiteral("unexpected challenge after the server signature"));
        case Step::Failed:
            if (m_error.isEmpty())
                m_error = QStringLiteral("SCRAM-SHA-256: exchange already failed");
            return std::nullopt;
        }
        return std::nullopt;
    }

    bool isComplete() const override { return m_step == Step::Verified; }

private:
    enum class Step
    {
        Start,
        SentFirst,
        SentFinal,
        Verified,
        Failed
    };

    std::nullopt_t fail(const QString &why)
    {
        m_error = QStringLiteral("SCRAM-SHA-256: ") + why;
        m_step = Step::Failed;
        return std::nullopt;
    }

    std::optional<QByteArray> serverFirst(const QByteArray &msg)
    {
        QList<QPair<char, QByteArray>> attrs;
        if (!parseScramAttributes(msg, &attrs) || attrs.size() < 3)
            return fail(QStringLiteral("malformed server-first message"));
        if (attrs[0].first == 'm')
            return fail(QStringLiteral("server requires an unsupported extension"));
        if (attrs[0].first != 'r' || attrs[1].first != 's' || attrs[2].first != 'i')
            return fail(QStringLiteral("malformed server-first message"));
        const QByteArray nonce = attrs[0].second;
        if (!nonce.startsWith(m_clientNonce) || nonce.size() <= m_clientNonce.size())
            return fail(QStringLiteral("server nonce does not extend the client nonce"));
        for (const char c : nonce) {
            if (c < 0x21 || c > 0x7E)
                return fail(QStringLiteral("malformed server nonce"));
        }
        const auto salt = QByteArray::fromBase64Encoding(attrs[1].second,
                                                         QByteArray::AbortOnBase64DecodingErrors);
        if (!salt || salt.decoded.isEmpty())
            return fail(QStringLiteral("malformed salt"));
        bool ok = false;
        const int iterations = attrs[2].second.toInt(&ok);
        if (!ok || iterations < 1 || attrs[2].second.startsWith('+'))
            return fail(QStringLiteral("malformed iteration count"));
        if (iterations > kMaxIterations)
            return fail(QStringLiteral("iteration count %1 above the limit %2")
                            .arg(iterations)
                            .arg(kMaxIterations));
        QString password;
        if (!saslPrep(m_creds.password, &password))
            return fail(QStringLiteral("control character in the password"));

        const QByteArray finalWithoutProof = "c=biws,r=" + nonce;
        const QByteArray authMessage = m_clientFirstBare + ',' + msg + ',' + finalWithoutProof;
        const QByteArray salted = QPasswordDigestor::deriveKeyPbkdf2(
            QCryptographicHash::Sha256, password.toUtf8(), *salt, iterations, 32);
        const QByteArray clientKey = hmac(salted, "Client Key");
        const QByteArray storedKey =
            QCryptographicHash::hash(clientKey, QCryptographicHash::Sha256);
        const QByteArray clientSignature = hmac(storedKey, authMessage);
        QByteArray proof = clientKey;
        for (qsizetype i = 0; i < proof.size(); ++i)
            proof[i] = char(proof[i] ^ clientSignature[i]);
        m_serverSignature = hmac(hmac(salted, "Server Key"), authMessage);
        m_step = Step::SentFinal;
        return finalWithoutProof + ",p=" + proof.toBase64();
    }

    std::optional<QByteArray> serverFinal(const QByteArray &msg)
    {
        if (msg.startsWith("e="))
            return fail(
                QStringLiteral("server reported %1").arg(QString::fromUtf8(msg.mid(2).left(100))));
        if (!msg.startsWith("v="))
            return fail(QStringLiteral("malformed server-final message"));
        const QByteArray value = msg.mid(2).split(',').value(0);
        const auto signature =
            QByteArray::fromBase64Encoding(value, QByteArray::AbortOnBase64DecodingErrors);
        if (!signature || !constantTimeEquals(*signature, m_serverSignature))
            return fail(QStringLiteral("server signature does not verify"));
        m_step = Step::Verified;
        return QByteArray(); // RFC 4954 §4: an empty response to the server's last challenge
    }

    static QByteArray hmac(const QByteArray &key, const QByteArray &data)
    {
        return QMessageAuthenticationCode::hash(data, key, QCryptographicHash::Sha256);
    }

    SaslCredentials m_creds;
    std::function<QByteArray()> m_nonce;
    Step m_step = Step::Start;
    QByteArray m_clientNonce;
    QByteArray m_clientFirstBare;
    QByteArray m_serverSignature;
};

bool hasPassword(const SaslCredentials &c)
{
    return !c.user.isEmpty() && !c.password.isEmpty();
}

bool credentialsAllow(const QString &mech, const SaslCredentials &c)
{
    if (mech == QLatin1String(kOauthBearer))
        return !c.oauthToken.isEmpty();
    if (mech == QLatin1String(kXoauth2))
        return !c.oauthToken.isEmpty() && !c.user.isEmpty();
    return hasPassword(c);
}

} // namespace

QStringList supportedSaslMechanisms()
{
    return {QString::fromLatin1(kScramSha256), QString::fromLatin1(kCramMd5),
            QString::fromLatin1(kPlain),       QString::fromLatin1(kLogin),
            QString::fromLatin1(kOauthBearer), QString::fromLatin1(kXoauth2)};
}

std::unique_ptr<SaslMechanism> createSaslMechanism(const QString &name,
                                                   const SaslCredentials &creds,
                                                   std::function<QByteArray()> nonce)
{
    const QByteArray n = name.trimmed().toUpper().toLatin1();
    if (n == kPlain)
        return std::make_unique<PlainMechanism>(creds);
    if (n == kLogin)
        return std::make_unique<LoginMechanism>(creds);
    if (n == kCramMd5)
        return std::make_unique<CramMd5Mechanism>(creds);
    if (n == kScramSha256)
        return std::make_unique<ScramSha256Mechanism>(creds, std::move(nonce));
    if (n == kXoauth2)
        return std::make_unique<Xoauth2Mechanism>(creds);
    if (n == kOauthBearer)
        return std::make_unique<OauthBearerMechanism>(creds);
    return nullptr;
}

QString chooseSaslMechanism(const QStringList &offered, const QString &accountAuth,
                            const SaslCredentials &creds)
{
    QStringList server;
    for (const QString &m : offered)
        server << m.trimmed().toUpper();
    const QString wanted = accountAuth.trimmed().toUpper();
    const QStringList known = supportedSaslMechanisms();
    if (!wanted.isEmpty() && wanted != QLatin1String("AUTO")) {
        if (known.contains(wanted) && server.contains(wanted) && credentialsAllow(wanted, creds))
            return wanted;
        return QString();
    }
    for (const QString &m : known) { // already in order of preference
        if (server.contains(m) && credentialsAllow(m, creds))
            return m;
    }
    return QString();
}

} // namespace outpost
