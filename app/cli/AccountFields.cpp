#include "AccountFields.h"

#include "accounts/SentCopy.h"
#include "mime/Address.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QSslCertificate>

namespace outpost::cli {

namespace {
/// "(none)" for an empty field, so "what changed" never prints an empty value.
QString orNone(const QString &v)
{
    return v.isEmpty() ? QStringLiteral("(none)") : v;
}

std::optional<FieldProblem> problem(Result r, const QString &message)
{
    return FieldProblem{r, message};
}

/// A row that sets one field of the account's OAuth settings; `secret`: shown as "(set)".
AccountField oauthField(const QString &option, const QString &valueName, const QString &description,
                        QString AccountOAuth::*field, bool secret = false)
{
    return {option,
            valueName,
            description,
            [field](const QString &v, Account *a) -> std::optional<FieldProblem> {
                a->oauth.*field = v.trimmed();
                return std::nullopt;
            },
            [field, secret](const Account &a) {
                const QString &v = a.oauth.*field;
                return secret && !v.isEmpty() ? QStringLiteral("(set)") : orNone(v);
            },
            {ErrorClass::SignIn}};
}

QList<AccountField> makeFields()
{
    using P = std::optional<FieldProblem>;
    return {
        {QStringLiteral("host"),
         QStringLiteral("H"),
         QStringLiteral("server"),
         [](const QString &v, Account *a) -> P {
             if (v.trimmed().isEmpty())
                 return problem(Result::Usage, QStringLiteral("--host needs a server name"));
             a->host = v.trimmed();
             return {};
         },
         [](const Account &a) { return a.host; },
         {}},
        {QStringLiteral("security"),
         QStringLiteral("tls|starttls|none"),
         QStringLiteral("security"),
         [](const QString &v, Account *a) -> P {
             Security s;
             if (!securityFromName(v, &s))
                 return problem(Result::Usage,
                                QStringLiteral("--security is tls, starttls or none"));
             // A port that was the old mode's usual one follows the mode (465 for TLS, else
             // 587); one the user chose stays. --port, applied after, wins.
             if (a->port == Account::defaultPort(a->security))
                 a->port = Account::defaultPort(s);
             a->security = s;
             return {};
         },
         [](const Account &a) { return securityName(a.security); },
         {ErrorClass::Tls}},
        {QStringLiteral("port"),
         QStringLiteral("P"),
         QStringLiteral("port"),
         [](const QString &v, Account *a) -> P {
             bool ok = false;
             const uint port = v.toUInt(&ok);
             if (!ok || port == 0 || port > 65535)
                 return problem(Result::Usage,
                                QStringLiteral("--port needs a number from 1 to 65535"));
             a->port = quint16(port);
             return {};
         },
         [](const Account &a) { return QString::number(a.port); },
         {ErrorClass::Tls}},
        {QStringLiteral("auth"),
         QStringLiteral("A"),
         QStringLiteral("mechanism"),
         [](const QString &v, Account *a) -> P {
             a->auth = v.toLower(); // AccountStore::validate names the mechanisms it knows
             return {};
         },
         [](const Account &a) { return a.auth; },
         {ErrorClass::Auth}},
        {QStringLiteral("user"),
         QStringLiteral("U"),
         QStringLiteral("user"),
         [](const QString &v, Account *a) -> P {
             a->user = v;
             return {};
         },
         [](const Account &a) { return orNone(a.user); },
         {ErrorClass::Auth}},
        {QStringLiteral("from"),
         QStringLiteral("ADDR"),
         QStringLiteral("address"),
         [](const QString &v, Account *a) -> P {
             if (!v.isEmpty()) {
                 // A display name is welcome, as in the window: "Alice <alice@example.org>".
                 const mime::AddressListResult from = mime::parseAddressList(v);
                 if (!from.ok())
                     return problem(Result::BadInput,
                                    QStringLiteral("--from %1: %2").arg(v, from.error));
                 if (from.mailboxes.size() != 1)
                     return problem(Result::BadInput,
                                    QStringLiteral("--from %1: give exactly one address").arg(v));
             }
             a->from = v;
             return {};
         },
         [](const Account &a) { return orNone(a.from); },
         {}},
        {QStringLiteral("password-command"),
         QStringLiteral("CMD"),
         QStringLiteral("shell command"),
         [](const QString &v, Account *a) -> P {
             a->passwordCommand = v;
             return {};
         },
         [](const Account &a) { return orNone(a.passwordCommand); },
         {ErrorClass::Auth, ErrorClass::Credentials}},
        {QStringLiteral("ca-file"),
         QStringLiteral("PEM"),
         QStringLiteral("trusted CA certificates"),
         [](const QString &v, Account *a) -> P {
             if (v.isEmpty()) {
                 a->caFile.clear();
                 return {};
             }
             const QString path = QFileInfo(v).absoluteFilePath();
             if (QSslCertificate::fromPath(path, QSsl::Pem).isEmpty())
                 return problem(Result::BadInput,
                                QStringLiteral("%1 holds no PEM certificate").arg(path));
             a->caFile = path;
             return {};
         },
         [](const Account &a) { return orNone(a.caFile); },
         {ErrorClass::Certificate}},
        {QStringLiteral("pin-sha256"),
         QStringLiteral("HEX"),
         QStringLiteral("certificate fingerprint"),
         [](const QString &v, Account *a) -> P {
             a->pinSha256 = v.toLower(); // AccountStore::validate checks the digits
             return {};
         },
         [](const Account &a) { return orNone(a.pinSha256); },
         {ErrorClass::Certificate}},
        {QStringLiteral("allow-plain-auth"),
         QString(),
         QStringLiteral("allow AUTH without TLS (loopback only)"),
         [](const QString &, Account *a) -> P {
             a->allowPlainAuth = true;
             return {};
         },
         [](const Account &a) {
             return a.allowPlainAuth ? QStringLiteral("yes") : QStringLiteral("no");
         },
         {ErrorClass::Tls}},
        // The copy in the Sent folder over IMAP (same credentials, CA file and pin). No pause
        // class: an IMAP failure never holds the account's messages.
        {QStringLiteral("imap-host"),
         QStringLiteral("H"),
         QStringLiteral("IMAP server for the copy in the Sent folder (\"\": none)"),
         [](const QString &v, Account *a) -> P {
             a->imapHost = v.trimmed();
             return {};
         },
         [](const Account &a) { return orNone(a.imapHost); },
         {}},
        {QStringLiteral("imap-security"),
         QStringLiteral("tls|starttls"),
         QStringLiteral("IMAP security"),
         [](const QString &v, Account *a) -> P {
             Security s = Security::Tls;
             if (!securityFromName(v, &s) || s == Security::None)
                 return problem(Result::Usage,
                                QStringLiteral("--imap-security is tls or starttls"));
             a->imapSecurity = s;
             return {};
         },
         [](const Account &a) { return securityName(a.imapSecurity); },
         {}},
        {QStringLiteral("imap-port"),
         QStringLiteral("P"),
         QStringLiteral("IMAP port"),
         [](const QString &v, Account *a) -> P {
             bool ok = false;
             const uint port = v.toUInt(&ok);
             if (!ok || port == 0 || port > 65535)
                 return problem(Result::Usage,
                                QStringLiteral("--imap-port needs a number from 1 to 65535"));
             a->imapPort = quint16(port);
             return {};
         },
         [](const Account &a) { return QString::number(a.effectiveImapPort()); },
         {}},
        {QStringLiteral("imap-user"),
         QStringLiteral("U"),
         QStringLiteral("IMAP user (default: the submission user)"),
         [](const QString &v, Account *a) -> P {
             a->imapUser = v;
             return {};
         },
         [](const Account &a) { return orNone(a.imapUser); },
         {}},
        {QStringLiteral("sent-folder"),
         QStringLiteral("NAME"),
         QStringLiteral("the Sent folder's name (default: found by the server's \\Sent)"),
         [](const QString &v, Account *a) -> P {
             a->sentFolder = v;
             return {};
         },
         [](const Account &a) { return orNone(a.sentFolder); },
         {}},
        {QStringLiteral("sent-copy"),
         QStringLiteral("auto|on|off"),
         QStringLiteral("copy sent messages to the Sent folder"),
         [](const QString &v, Account *a) -> P {
             if (!sentCopyFromName(v, &a->sentCopy))
                 return problem(Result::Usage, QStringLiteral("--sent-copy is auto, on or off"));
             return {};
         },
         [](const Account &a) { return sentCopyName(a.sentCopy); },
         {}},
        // The OAuth client registration and a custom provider's endpoints (--oauth itself
        // chooses the provider at `account add`). A change can fix a "sign in again" pause.
        oauthField(QStringLiteral("oauth-client-id"), QStringLiteral("ID"),
                   QStringLiteral("your registered client id"), &AccountOAuth::clientId),
        oauthField(QStringLiteral("oauth-client-secret"), QStringLiteral("S"),
                   QStringLiteral("the installed app's client secret (Google)"),
                   &AccountOAuth::clientSecret, true),
        oauthField(QStringLiteral("oauth-authorize-url"), QStringLiteral("URL"),
                   QStringLiteral("authorization endpoint"), &AccountOAuth::authorizeUrl),
        oauthField(QStringLiteral("oauth-token-url"), QStringLiteral("URL"),
                   QStringLiteral("token endpoint"), &AccountOAuth::tokenUrl),
        oauthField(QStringLiteral("oauth-device-url"), QStringLiteral("URL"),
                   QStringLiteral("device authorization endpoint"), &AccountOAuth::deviceUrl),
        oauthField(QStringLiteral("oauth-revoke-url"), QStringLiteral("URL"),
                   QStringLiteral("revocation endpoint"), &AccountOAuth::revokeUrl),
        oauthField(QStringLiteral("oauth-scope"), QStringLiteral("S"),
                   QStringLiteral("space-separated scopes"), &AccountOAuth::scope),
    };
}
} // namespace

const QList<AccountField> &accountFields()
{
    static const QList<AccountField> table = makeFields();
    return table;
}

QList<QCommandLineOption> accountFieldOptions()
{
    QList<QCommandLineOption> options;
    for (const AccountField &f : accountFields()) {
        if (f.valueName.isEmpty())
            options.append(QCommandLineOption(f.option, f.description));
        else
            options.append(QCommandLineOption(f.option, f.description, f.valueName));
    }
    return options;
}

std::optional<FieldProblem> applyAccountFields(const QCommandLineParser &p, Account *a,
                                               QStringList *given)
{
    for (const AccountField &f : accountFields()) {
        if (!p.isSet(f.option))
            continue;
        if (given)
            given->append(f.option);
        if (auto problem = f.set(f.valueName.isEmpty() ? QString() : p.value(f.option), a))
            return problem;
    }
    if (a->imapHost.isEmpty() && a->sentCopy == SentCopy::On)
        return problem(Result::Usage,
                       QStringLiteral("--sent-copy on needs an IMAP server (--imap-host)"));
    return std::nullopt;
}

std::optional<FieldProblem> oauthFieldsProblem(const Account &a, const QStringList &given)
{
    const auto isOAuthOption = [](const QString &o) {
        return o.startsWith(QLatin1String("oauth-"));
    };
    if (!a.oauth.enabled()) {
        for (const QString &o : given) {
            if (isOAuthOption(o))
                return problem(Result::Usage,
                               QStringLiteral("--%1 is for an account that signs in with OAuth "
                                              "(account add NAME --oauth PROVIDER)")
                                   .arg(o));
        }
        return std::nullopt;
    }
    if (!a.passwordCommand.isEmpty())
        return problem(Result::Usage, QStringLiteral("an OAuth account has no password: it signs "
                                                     "in with `outpost account login`"));
    if (a.oauth.provider != QLatin1String("custom") &&
        (!a.oauth.authorizeUrl.isEmpty() || !a.oauth.tokenUrl.isEmpty() ||
         !a.oauth.scope.isEmpty()))
        return problem(Result::Usage,
                       QStringLiteral("--oauth-authorize-url, --oauth-token-url and --oauth-scope "
                                      "are for --oauth custom; %1 brings its own")
                           .arg(a.oauth.provider));
    return std::nullopt;
}

QStringList describeAccountChanges(const Account &before, const Account &after)
{
    QStringList lines;
    for (const AccountField &f : accountFields()) {
        const QString was = f.show(before);
        const QString now = f.show(after);
        if (was != now)
            lines << QStringLiteral("%1: %2 -> %3").arg(f.option, was, now);
    }
    return lines;
}

bool changeCanFix(const Account &before, const Account &after, const QString &pauseClass)
{
    if (before.host != after.host)
        return true; // another server: whatever was wrong with the old one
    const ErrorClass cls = errorClassFromName(pauseClass);
    for (const AccountField &f : accountFields()) {
        if (f.fixes.contains(cls) && f.show(before) != f.show(after))
            return true;
    }
    return false;
}

QString passwordLine(QByteArray input)
{
    const qsizetype nl = input.indexOf('\n');
    if (nl >= 0)
        input.truncate(nl);
    if (input.endsWith('\r'))
        input.chop(1);
    return QString::fromUtf8(input);
}

} // namespace outpost::cli
