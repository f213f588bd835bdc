#include "SentCopy.h"

#include "ConnectionTest.h"
#include "SettingKeys.h"
#include "Settings.h"

namespace outpost {

QString sentCopyName(SentCopy s)
{
    switch (s) {
    case SentCopy::Auto:
        return QStringLiteral("auto");
    case SentCopy::On:
        return QStringLiteral("on");
    case SentCopy::Off:
        return QStringLiteral("off");
    }
    return QStringLiteral("auto");
}

bool sentCopyFromName(const QString &name, SentCopy *out)
{
    for (SentCopy s : {SentCopy::Auto, SentCopy::On, SentCopy::Off}) {
        if (name.compare(sentCopyName(s), Qt::CaseInsensitive) == 0) {
            *out = s;
            return true;
        }
    }
    return false;
}

bool providerSavesSubmittedMail(const QString &host)
{
    QString h = host.trimmed().toLower();
    if (h.endsWith(QLatin1Char('.')))
        h.chop(1);
    // The domains of the submission and IMAP servers Google and Microsoft publish for mail
    // programs; both file every message submitted over SMTP in Sent themselves.
    static const char *const kDomains[] = {"gmail.com",     "googlemail.com", "outlook.com",
                                           "office365.com", "hotmail.com",    "live.com"};
    for (const char *d : kDomains) {
        const QLatin1String domain(d);
        if (h == domain || h.endsWith(QLatin1Char('.') + domain))
            return true;
    }
    return false;
}

bool sentFolderCheckable(const Account &account)
{
    return !account.imapHost.trimmed().isEmpty() && account.sentCopy != SentCopy::Off;
}

bool sentCopyEffective(const Account &account)
{
    if (account.imapHost.trimmed().isEmpty())
        return false;
    switch (account.sentCopy) {
    case SentCopy::On:
        return true;
    case SentCopy::Off:
        return false;
    case SentCopy::Auto:
        break;
    }
    return !providerSavesSubmittedMail(account.host) &&
           !providerSavesSubmittedMail(account.imapHost);
}

ImapConfig imapConfigForAccount(const Account &account, const QString &secret,
                                const Settings *settings)
{
    // The TLS policy, credentials and mechanism choice are the submission's.
    const SessionConfig smtp = sessionConfigForAccount(account, secret, settings);
    ImapConfig c;
    c.host = account.imapHost;
    c.port = account.effectiveImapPort();
    c.security = account.imapSecurity;
    c.auth = account.auth.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0
                 ? QStringLiteral("auto")
                 : account.auth;
    c.credentials = smtp.credentials;
    c.credentials.user = account.effectiveImapUser();
    c.allowPlainAuth = account.allowPlainAuth;
    c.extraCaCertificates = smtp.extraCaCertificates;
    c.pinSha256 = smtp.pinSha256;
    if (settings) {
        c.connectTimeoutMs = smtp.connectTimeoutMs;
        c.greetingTimeoutMs = smtp.greetingTimeoutMs;
        c.commandTimeoutMs = smtp.commandTimeoutMs;
        c.logoutTimeoutMs = smtp.quitTimeoutMs;
    }
    c.logTag = account.name;
    return c;
}

QString validateImap(const Account &a)
{
    if (a.imapHost.isEmpty())
        return {};
    if (a.imapHost.contains(QLatin1Char(' ')) || a.imapHost.contains(QLatin1Char('/')))
        return QStringLiteral("\"%1\" is not a host name").arg(a.imapHost);
    if (a.imapSecurity != Security::Tls && a.imapSecurity != Security::StartTls)
        return QStringLiteral("the IMAP security is tls or starttls");
    if (a.sentFolder.contains(QLatin1Char('\r')) || a.sentFolder.contains(QLatin1Char('\n')) ||
        a.sentFolder.contains(QChar(0)))
        return QStringLiteral("the Sent folder's name cannot contain a line break");
    return {};
}

} // namespace outpost
