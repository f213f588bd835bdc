#include "Words.h"

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

QString Words::errorClass(ErrorClass c)
{
    switch (c) {
    case ErrorClass::None:
        return {};
    case ErrorClass::Transient:
        return tr("The server asked to try again later.");
    case ErrorClass::Permanent:
        return tr("The server refused the message.");
    case ErrorClass::Network:
        return tr("The server could not be reached.");
    case ErrorClass::Timeout:
        return tr("The server did not answer in time.");
    case ErrorClass::Tls:
        return tr("A secure connection to the server could not be set up.");
    case ErrorClass::Certificate:
        return tr("The server's certificate is not trusted.");
    case ErrorClass::Auth:
        return tr("The server refused the user name or password.");
    case ErrorClass::Protocol:
        return tr("The server answered something unexpected.");
    case ErrorClass::Local:
        return tr("The message could not be sent as written (address, size or a missing server "
                  "feature).");
    }
    return {};
}

QString Words::historyEvent(const HistoryEntry &h)
{
    switch (h.event) {
    case HistoryEvent::Unknown:
        return h.detail.isEmpty() ? tr("unknown event") : h.detail;
    case HistoryEvent::Queued:
        return tr("queued");
    case HistoryEvent::DraftSaved:
        return tr("draft saved");
    case HistoryEvent::Sent:
        return tr("sent");
    case HistoryEvent::SentSomeRefused:
        return tr("sent (some recipients refused)");
    case HistoryEvent::PartlyDeferred:
        return tr("partly sent; deferred recipients queued");
    case HistoryEvent::Deferred:
        return tr("deferred");
    case HistoryEvent::DeferredUnreachable:
        return tr("deferred (server unreachable)");
    case HistoryEvent::UncertainRequeued:
        return tr("delivery uncertain; queued again");
    case HistoryEvent::Expired:
        return tr("expired");
    case HistoryEvent::Failed:
        return tr("failed");
    case HistoryEvent::FailedAccountRemoved:
        return tr("failed (account removed)");
    case HistoryEvent::HeldAccountPaused:
        return tr("held (account paused)");
    case HistoryEvent::HeldByUser:
        return tr("held by the user");
    case HistoryEvent::Released:
        return tr("released");
    case HistoryEvent::ReleasedAccountResumed:
        return tr("released (account resumed)");
    case HistoryEvent::RetryRequested: {
        const QDateTime dropped = QDateTime::fromString(h.detail, Qt::ISODateWithMs);
        return dropped.isValid()
                   ? tr("retry requested (schedule for %1 dropped)")
                         .arg(QLocale().toString(dropped.toLocalTime(), QLocale::ShortFormat))
                   : tr("retry requested");
    }
    case HistoryEvent::Recovered:
        return tr("recovered");
    case HistoryEvent::Interrupted:
        return tr("interrupted (Outpost quit)");
    case HistoryEvent::Cancelled:
        return tr("cancelled by the user");
    case HistoryEvent::BackToDraft:
        return tr("back to draft for editing");
    case HistoryEvent::EditedDraft:
        return tr("edited, draft saved");
    case HistoryEvent::EditedQueued:
        return tr("edited and queued");
    }
    return h.detail;
}

QString Words::historyNote(const QString &note)
{
    if (note == QLatin1String("dsn-not-offered"))
        return tr("The server does not offer delivery status notifications, so none were asked "
                  "for.");
    return note;
}

QString Words::reply(const SmtpReply &r)
{
    if (r.code == 0)
        return {};
    QString out = QString::number(r.code);
    if (!r.enhanced.isEmpty())
        out += QLatin1Char(' ') + QString::fromLatin1(r.enhanced);
    const QString text = r.text();
    if (!text.isEmpty())
        out += QLatin1Char(' ') + text;
    return out;
}

QString Words::lastReply(const MessageSummary &s)
{
    const QString r = reply(s.lastReply);
    if (!r.isEmpty())
        return r;
    return errorClass(s.errorClass);
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

QString Words::noticeTitle(const Notice &n)
{
    switch (n.kind) {
    case Notice::Kind::AccountPaused:
        return tr("Sending paused for %1").arg(n.account);
    case Notice::Kind::MessageFailed:
        return tr("A message could not be sent");
    case Notice::Kind::BatchSent:
        return tr("Messages sent");
    }
    return {};
}

QString Words::noticeText(const Notice &n)
{
    const QString r = reply(n.result.reply);
    switch (n.kind) {
    case Notice::Kind::AccountPaused: {
        QString what = errorClass(n.result.errorClass);
        if (!r.isEmpty())
            what += QLatin1Char(' ') + tr("The server said: %1").arg(r);
        return tr("%1 %n message(s) are held until you fix the account.", nullptr, n.count)
            .arg(what);
    }
    case Notice::Kind::MessageFailed: {
        QString what = errorClass(n.result.errorClass);
        if (!r.isEmpty())
            what += QLatin1Char(' ') + tr("The server said: %1").arg(r);
        return what;
    }
    case Notice::Kind::BatchSent:
        return tr("%n message(s) written while offline have been sent.", nullptr, n.count);
    }
    return {};
}

QString Words::size(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
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
    if (!caps.esmtp)
        return tr("basic SMTP only (the server did not accept EHLO)");
    QStringList parts;
    if (!caps.authMechanisms.isEmpty())
        parts << tr("login: %1").arg(caps.authMechanisms.join(QLatin1String(", ")));
    else
        parts << tr("no login offered");
    if (caps.sizeLimit > 0)
        parts << tr("largest message %1").arg(size(caps.sizeLimit));
    if (caps.startTls)
        parts << tr("STARTTLS");
    if (caps.pipelining)
        parts << tr("pipelining");
    if (caps.chunking)
        parts << tr("chunking");
    if (caps.eightBitMime)
        parts << tr("8-bit text");
    if (caps.smtpUtf8)
        parts << tr("international addresses");
    if (caps.dsn)
        parts << tr("delivery status notifications");
    return parts.join(QLatin1String(" · "));
}

QString Words::connectionTest(const SmtpResult &result, const Capabilities &caps,
                              const Account &account)
{
    const QString server = QStringLiteral("%1:%2").arg(account.host).arg(account.port);
    if (result.ok()) {
        QString how;
        switch (account.security) {
        case Security::Tls:
            how = tr("The connection is encrypted (TLS from the start).");
            break;
        case Security::StartTls:
            how = tr("The connection is encrypted (STARTTLS).");
            break;
        case Security::None:
            how = tr("The connection is NOT encrypted.");
            break;
        }
        const QString login =
            account.usesAuth() ? tr("The server accepted the login.") : tr("No login was used.");
        return tr("Connection to %1 works. %2 %3 Ready to send.\nThe server offers: %4")
            .arg(server, how, login, capabilities(caps));
    }
    const QString said = reply(result.reply);
    QString text;
    switch (result.errorClass) {
    case ErrorClass::Network:
        text = tr("Could not connect to %1: %2. Check the server name and port, and that this "
                  "computer is online.")
                   .arg(server, result.detail);
        break;
    case ErrorClass::Timeout:
        text = tr("%1 did not answer in time. The port may be wrong or blocked by a firewall.")
                   .arg(server);
        break;
    case ErrorClass::Tls:
        text = tr("A secure connection to %1 could not be set up: %2. Try the other security "
                  "setting (STARTTLS on port 587, TLS on port 465).")
                   .arg(server, said.isEmpty() ? result.detail : said);
        break;
    case ErrorClass::Certificate:
        text = tr("The certificate of %1 is not trusted: %2. If you know this server uses "
                  "this certificate, you can trust exactly this certificate for this account.")
                   .arg(server, result.certificateErrors.isEmpty()
                                    ? result.detail
                                    : result.certificateErrors.join(QLatin1String("; ")));
        break;
    case ErrorClass::Auth:
        if (result.reply.code == 0 && result.detail.startsWith(QLatin1String("no password")))
            text = tr("No password is available for this account (%1). Type the password or "
                      "give a password command, then test again.")
                       .arg(result.detail.mid(13));
        else if (result.reply.code == 0)
            text = tr("The login could not be done: %1.").arg(result.detail);
        else
            text = tr("%1 refused the user name or password.").arg(server);
        break;
    default:
        text = errorClass(result.errorClass);
        if (said.isEmpty() && !result.detail.isEmpty())
            text += QLatin1Char(' ') + tr("(%1)").arg(result.detail);
        break;
    }
    if (!said.isEmpty() && result.errorClass != ErrorClass::Tls)
        text += QLatin1Char(' ') + tr("The server said: %1").arg(said);
    return text;
}

} // namespace outpost::ui
