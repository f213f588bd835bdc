#include "Words.h"

#include "SharedWords.h"

#include <QLocale>

namespace outpost::ui {

QString Words::state(MessageState s)
{
    switch (s) {
    case MessageState::Draft:
        return tr("Draft");
    case MessageState::Queued:
        return tr("Queued");
    case MessageState::Sending:
        return tr("Sending");
    case MessageState::Sent:
        return tr("Sent");
    case MessageState::Failed:
        return tr("Failed");
    case MessageState::Held:
        return tr("Held");
    }
    return {};
}

QString Words::stateOf(const MessageSummary &s)
{
    if (s.delivery() == Delivery::Partial)
        return words::sentToSome(s.recipientCount - s.refusedRecipients, s.recipientCount,
                                 words::Front::Window);
    return state(s.state);
}

QString Words::copyState(const MessageSummary &s)
{
    return words::copyState(s, words::Front::Window);
}

QString Words::partialDelivery(const MessageSummary &s, const QList<RecipientRecord> &refused)
{
    return tr("%1. The server refused:\n%2").arg(stateOf(s), refusedRecipients(refused));
}

QString Words::refusedRecipients(const QList<RecipientRecord> &refused)
{
    return words::refusedRecipients(refused, words::Front::Window);
}

QString Words::errorClass(ErrorClass c)
{
    return words::errorClass(c, words::Front::Window);
}

QString Words::historyEvent(const HistoryEntry &h)
{
    return words::historyEvent(h, words::Front::Window);
}

QString Words::historyNote(const QString &note)
{
    return words::historyNote(note, words::Front::Window);
}

QString Words::reply(const SmtpReply &r)
{
    return words::reply(r);
}

QString Words::lastReply(const MessageSummary &s)
{
    return words::lastOutcome(s, words::Front::Window);
}

QString Words::countdown(const QDateTime &when, const QDateTime &now)
{
    if (!when.isValid())
        return {};
    const qint64 secs = now.secsTo(when);
    if (secs <= 0)
        return tr("now");
    if (secs < 60)
        return tr("in %n s", nullptr, int(secs));
    if (secs < 3600)
        return tr("in %n min", nullptr, int((secs + 30) / 60));
    if (secs < 24 * 3600) {
        const int mins = int((secs + 30) / 60);
        return tr("in %1 h %2 min").arg(mins / 60).arg(mins % 60);
    }
    return QLocale().toString(when.toLocalTime(), QLocale::ShortFormat);
}

QString Words::pastTime(const QDateTime &when, const QDateTime &now)
{
    if (!when.isValid())
        return {};
    const qint64 secs = when.secsTo(now);
    if (secs < 60)
        return tr("just now");
    if (secs < 3600)
        return tr("%n min ago", nullptr, int(secs / 60));
    const QDateTime local = when.toLocalTime();
    const QDate today = now.toLocalTime().date();
    const QString time = QLocale().toString(local.time(), QLocale::ShortFormat);
    if (local.date() == today)
        return time;
    if (local.date() == today.addDays(-1))
        return tr("yesterday %1").arg(time);
    return QLocale().toString(local, QLocale::ShortFormat);
}

QString Words::fullTime(const QDateTime &when)
{
    return when.isValid() ? QLocale().toString(when.toLocalTime(), QLocale::LongFormat) : QString();
}

QString Words::outcome(const MessageSummary &s)
{
    if (s.delivery() == Delivery::Partial)
        return tr("Accepted for some recipients; the server refused the others.");
    if (s.state == MessageState::Sent)
        return tr("Accepted by the server.");
    return errorClass(s.errorClass);
}

QString Words::serversSeen(const QList<ServerContact> &servers)
{
    QStringList down;
    for (const ServerContact &c : servers) {
        if (c.seen == ServerContact::Seen::Unreachable && !down.contains(c.server))
            down << c.server;
    }
    if (down.isEmpty())
        return tr("Online");
    if (down.size() == 1)
        return tr("Online, but %1 cannot be reached").arg(down.first());
    return tr("Online, but %n servers cannot be reached", nullptr, int(down.size()));
}

QString Words::serverSeen(const ServerContact &c)
{
    const QString when = pastTime(c.at, QDateTime::currentDateTimeUtc());
    if (c.seen == ServerContact::Seen::Reached)
        return tr("%1 (%2): reached %3").arg(c.server, c.account, when);
    return tr("%1 (%2): %3 (%4)").arg(c.server, c.account, errorClass(c.errorClass), when);
}

QString Words::stored(const MessageSummary &s, const QDateTime &now)
{
    switch (s.state) {
    case MessageState::Draft:
        return tr("Draft %1 saved in the outbox; it is not sent until you send it.").arg(s.id);
    case MessageState::Queued:
        if (s.sendAt.isValid() && s.sendAt > now)
            return tr("Message %1 is scheduled to be sent %2.")
                .arg(s.id)
                .arg(QLocale().toString(s.sendAt.toLocalTime(), QLocale::ShortFormat));
        return tr("Message %1 is queued and will be sent as soon as the server can be reached.")
            .arg(s.id);
    case MessageState::Held:
        return tr("Message %1 is held in the outbox.").arg(s.id);
    default:
        return tr("Message %1: %2.").arg(s.id).arg(stateOf(s));
    }
}

QString Words::noticeTitle(const Notice &n)
{
    return words::noticeTitle(n);
}

QString Words::noticeText(const Notice &n)
{
    return words::noticeText(n, words::Front::Window);
}

QString Words::size(qint64 bytes)
{
    return words::size(bytes);
}

QString Words::tooLargeWarning(qint64 bytes, qint64 limit)
{
    return tr("At about %1 this message is larger than the %2 the server accepts: it would be "
              "refused. Remove an attachment or send the file another way.")
        .arg(size(bytes), size(limit));
}

QString Words::tooLargeTitle()
{
    return tr("Message too large for the server");
}

QString Words::tooLargeQuestion(qint64 bytes, qint64 limit)
{
    return tr("This message is %1, and the server said at its last connection that it accepts "
              "at most %2. It will most likely be refused when it is sent.\n\nQueue it anyway, "
              "or go back and make it smaller?")
        .arg(size(bytes), size(limit));
}

QString Words::queueAnyway()
{
    return tr("&Queue anyway");
}

QString Words::goBack()
{
    return tr("&Go back");
}

QString Words::smtpUtf8Warning(const QStringList &addresses)
{
    return tr("The server of this account does not accept addresses with non-ASCII characters "
              "before the @ (it did not offer SMTPUTF8): the message would fail when sent to %1.")
        .arg(addresses.join(QLatin1String(", ")));
}

QString Words::emlDropTitle()
{
    return tr("Message file");
}

QString Words::emlDropQuestion(const QString &fileName)
{
    return tr("%1 is an e-mail message. Reply to it, queue it as it is, or attach it?")
        .arg(fileName);
}

QString Words::replyToIt()
{
    return tr("&Reply to it");
}

QString Words::queueAsItIs()
{
    return tr("&Queue it as it is");
}

QString Words::attachIt()
{
    return tr("&Attach it");
}

QString Words::plainTextTitle()
{
    return tr("Plain text");
}

QString Words::plainTextQuestion()
{
    return tr("Back to plain text? Bold, italic, lists and links are removed; the words stay.");
}

QString Words::removeFormatting()
{
    return tr("&Remove formatting");
}

QString Words::replyFileProblem(const QString &fileName, const QString &why)
{
    return tr("%1 could not be read as an e-mail message: %2").arg(fileName, why);
}

QString Words::testStage(ConnectionTest::Stage stage)
{
    switch (stage) {
    case ConnectionTest::Stage::Password:
        return tr("Getting the password…");
    case ConnectionTest::Stage::Token:
        return tr("Getting a sign-in token from the provider…");
    case ConnectionTest::Stage::Connecting:
        return tr("Connecting…");
    case ConnectionTest::Stage::Greeting:
        return tr("Connected, waiting for the server to greet…");
    case ConnectionTest::Stage::Ehlo:
        return tr("Asking the server what it offers…");
    case ConnectionTest::Stage::Tls:
        return tr("Setting up encryption…");
    case ConnectionTest::Stage::Auth:
        return tr("Logging in…");
    case ConnectionTest::Stage::Quit:
        return tr("Saying goodbye…");
    case ConnectionTest::Stage::Done:
        return {};
    }
    return {};
}

QString Words::capabilities(const Capabilities &caps)
{
    return words::capabilities(caps);
}

QString Words::connectionTest(const SmtpResult &result, const Capabilities &caps,
                              const Account &account)
{
    return words::connectionTest(result, caps, account, words::Front::Window);
}

QString Words::signInState(SignInState state, const QString &user)
{
    switch (state) {
    case SignInState::Checking:
        return tr("Checking the sign-in…");
    case SignInState::SignedIn:
        return user.isEmpty() ? tr("Signed in") : tr("Signed in as %1").arg(user);
    case SignInState::NotSignedIn:
        return tr("Not signed in");
    case SignInState::SignInAgain:
        return tr("Sign-in needed again: the provider no longer accepts the sign-in, and this "
                  "account's messages are held until you sign in.");
    case SignInState::Waiting:
        return tr("Waiting for you to sign in in the browser…");
    }
    return {};
}

QString Words::signInButton(const QString &providerId)
{
    if (providerId == QLatin1String("microsoft"))
        return tr("Sign in with &Microsoft");
    if (providerId == QLatin1String("google"))
        return tr("Sign in with &Google");
    return tr("S&ign in");
}

QString Words::signInProvider(const QString &providerId)
{
    if (providerId == QLatin1String("microsoft"))
        return tr("Microsoft (Outlook.com, Microsoft 365)");
    if (providerId == QLatin1String("google"))
        return tr("Google (Gmail)");
    if (providerId == QLatin1String("custom"))
        return tr("Another OAuth 2.0 provider");
    return tr("Password");
}

QByteArray Words::signInPage(bool signedIn)
{
    const QString text = signedIn ? tr("Outpost is signed in. You can close this window.")
                                  : tr("Outpost could not sign in. You can close this window; "
                                       "Outpost says why.");
    return QByteArrayLiteral("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
                             "Outpost</title></head><body><p>") +
           text.toHtmlEscaped().toUtf8() + QByteArrayLiteral("</p></body></html>\n");
}

QString Words::signInFailure(const OAuthError &e, const QString &account)
{
    return words::signInFailure(e, account, words::Front::Window);
}

QString Words::signOut(const SignOutResult &r, const Account &account)
{
    return words::signOutText(r, account, words::Front::Window);
}

QString Words::discoveryStep(DiscoverySource step, const QString &what)
{
    switch (step) {
    case DiscoverySource::Preset:
        return tr("Looking at Outpost's built-in settings…");
    case DiscoverySource::Autoconfig:
    case DiscoverySource::WellKnown:
        return tr("Asking for the provider's settings file: %1").arg(what);
    case DiscoverySource::Srv:
        return tr("Looking up the domain's DNS records: %1").arg(what);
    case DiscoverySource::Guess:
        return tr("Trying a likely server (greeting only, no password): %1").arg(what);
    }
    return what;
}

QString Words::discoveryOrigin(const DiscoveredSettings &f)
{
    switch (f.source) {
    case DiscoverySource::Preset:
        return tr("Found in: Outpost's built-in settings for %1.").arg(f.providerName);
    case DiscoverySource::Autoconfig:
    case DiscoverySource::WellKnown:
        return tr("Found in: the provider's settings file (autoconfig) %1.").arg(f.origin);
    case DiscoverySource::Srv:
        return tr("Found in: the domain's DNS record %1.").arg(f.origin);
    case DiscoverySource::Guess:
        return tr("Found by trying: %1 answered (greeting only, no password was sent).")
            .arg(f.origin);
    }
    return f.origin;
}

QString Words::discoverySignIn(const DiscoveredSettings &f)
{
    switch (f.signIn) {
    case SignIn::Password:
        return tr("your password");
    case SignIn::AppPassword:
        return tr("an app password made in the provider's security settings (your normal "
                  "password is refused)");
    case SignIn::OAuth:
        return tr("the provider's sign-in page in your browser");
    }
    return {};
}

QString Words::setupSignInNote(const DiscoveredSettings &preset)
{
    const QString link = preset.helpUrl.isEmpty()
                             ? QString()
                             : QStringLiteral(" <a href=\"%1\">%2</a>")
                                   .arg(preset.helpUrl.toHtmlEscaped(), tr("How to set it up"));
    if (preset.signIn == SignIn::OAuth)
        return tr("%1 signs you in on its own page in your browser: no password here.")
                   .arg(preset.providerName.toHtmlEscaped()) +
               link;
    return tr("%1 needs an app password: make one in its security settings and enter it here.")
               .arg(preset.providerName.toHtmlEscaped()) +
           link;
}

QString Words::setupFoundTitle(const QString &address)
{
    return tr("<b>Settings found for %1</b>").arg(address.toHtmlEscaped());
}

QString Words::setupSummary(const DiscoveredSettings &f, const Account &a)
{
    QString security;
    switch (f.security) {
    case Security::Tls:
        security = tr("encrypted from the start (TLS)");
        break;
    case Security::StartTls:
        security = tr("encrypted with STARTTLS");
        break;
    case Security::None:
        security = tr("not encrypted");
        break;
    }
    QString s = tr("Server: %1, port %2, %3").arg(f.host.toHtmlEscaped()).arg(f.port).arg(security);
    s += QLatin1String("<br>") +
         tr("Login: %1 with %2").arg(a.user.toHtmlEscaped(), discoverySignIn(f).toHtmlEscaped());
    s += QLatin1String("<br>") + tr("From: %1").arg(a.from.toHtmlEscaped());
    if (a.imapHost.isEmpty()) {
        s += QLatin1String("<br>") + tr("No IMAP server found: no copies in the Sent folder "
                                        "(Edit manually to give one)");
    } else {
        QString imap =
            tr("IMAP server for the Sent folder: %1, port %2, %3")
                .arg(a.imapHost.toHtmlEscaped())
                .arg(a.effectiveImapPort())
                .arg(a.imapSecurity == Security::Tls ? tr("encrypted from the start (TLS)")
                                                     : tr("encrypted with STARTTLS"));
        if (!a.imapUser.isEmpty())
            imap += QLatin1String(", ") + tr("login %1").arg(a.imapUser.toHtmlEscaped());
        s += QLatin1String("<br>") + imap;
    }
    if (!f.capabilities.isEmpty())
        s += QLatin1String("<br>") +
             tr("The server offers: %1")
                 .arg(f.capabilities.join(QLatin1String(", ")).toHtmlEscaped());
    return s;
}

QString Words::setupHelpLink(const DiscoveredSettings &f)
{
    return tr("%1's help for mail programs: <a href=\"%2\">%2</a>")
        .arg(f.providerName.toHtmlEscaped(), f.helpUrl.toHtmlEscaped());
}

QString Words::setupConfirm(const DiscoveredSettings &f)
{
    // One tick covers every server the password would go to.
    if (!f.imap.host.isEmpty() && f.imap.host.compare(f.host, Qt::CaseInsensitive) != 0)
        return tr("Use %1 and %2 anyway: %3").arg(f.host, f.imap.host, f.confirmWhy);
    return tr("Use %1 anyway: %2").arg(f.host, f.confirmWhy);
}

QString Words::setupSaveAndSignIn(const QString &providerId)
{
    if (providerId == QLatin1String("microsoft"))
        return tr("&Save and sign in with Microsoft");
    if (providerId == QLatin1String("google"))
        return tr("&Save and sign in with Google");
    return tr("&Save and sign in");
}

QString Words::setupClientIdNeeded(const QString &providerId)
{
    return tr("<b>A client id is needed:</b> this build of Outpost has none for %1, so signing "
              "in needs the client id of your own registration with the provider (the README "
              "says how to register one). The next step asks for it; nothing is saved before.")
        .arg(signInProvider(providerId).toHtmlEscaped());
}

QString Words::setupNothingFound(const QString &domain, const QStringList &tried)
{
    return tr("Outpost found no settings for %1 (it asked the provider, the DNS and the likely "
              "servers). Enter the server below: your provider's help pages name it.\nTried: %2")
        .arg(domain, tried.join(QLatin1String("; ")));
}

} // namespace outpost::ui
