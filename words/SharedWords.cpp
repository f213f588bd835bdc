#include "SharedWords.h"

#include <QCoreApplication>
#include <QLocale>

namespace outpost::words {

namespace {
/// Tr::tr() is QCoreApplication::translate() in the "Words" context: the window's sentences
/// had it before they moved here, so their translations still apply, and lupdate finds them.
class Tr
{
    Q_DECLARE_TR_FUNCTIONS(Words)
};

/// The terminal's `sentence` followed by the server's reply in quotes, or else the detail in
/// parentheses.
QString withReply(QString sentence, const SmtpResult &r)
{
    const QString said = reply(r.reply);
    if (!said.isEmpty())
        sentence += QLatin1Char(' ') + Tr::tr("Server said: \"%1\".").arg(said);
    else if (!r.detail.isEmpty())
        sentence += QLatin1Char(' ') + Tr::tr("(%1)").arg(r.detail);
    return sentence;
}

/// The window's sentence for a failed connection test of `account` at `server` (host:port).
QString windowTestFailure(const SmtpResult &result, const Account &account, const QString &server)
{
    const QString said = reply(result.reply);
    QString text;
    switch (result.errorClass) {
    case ErrorClass::SignIn:
        text = Tr::tr("You are not signed in, or the provider no longer accepts the sign-in. "
                      "Sign in again, then test again.");
        if (!result.detail.isEmpty())
            text += QLatin1Char(' ') + Tr::tr("(%1)").arg(result.detail);
        break;
    case ErrorClass::Network:
        text = Tr::tr("Could not connect to %1: %2. Check the server name and port, and that this "
                      "computer is online.")
                   .arg(server, result.detail);
        break;
    case ErrorClass::Timeout:
        text = Tr::tr("%1 did not answer in time. The port may be wrong or blocked by a firewall.")
                   .arg(server);
        break;
    case ErrorClass::Tls:
        text = Tr::tr("A secure connection to %1 could not be set up: %2. Try the other security "
                      "setting (STARTTLS on port 587, TLS on port 465).")
                   .arg(server, said.isEmpty() ? result.detail : said);
        break;
    case ErrorClass::Certificate:
        text = Tr::tr("The certificate of %1 is not trusted: %2. If you know this server uses "
                      "this certificate, you can trust exactly this certificate for this account.")
                   .arg(server, result.certificateErrors.isEmpty()
                                    ? result.detail
                                    : result.certificateErrors.join(QLatin1String("; ")));
        break;
    case ErrorClass::Auth:
        if (result.reply.code == 0 && result.detail.startsWith(QLatin1String("no password")))
            text = Tr::tr("No password is available for this account (%1). Type the password or "
                          "give a password command, then test again.")
                       .arg(result.detail.mid(13));
        else if (result.reply.code == 0)
            text = Tr::tr("The login could not be done: %1.").arg(result.detail);
        else if (account.oauth.enabled())
            text = Tr::tr("%1 refused the sign-in token of %2 (a fresh one from the provider).")
                       .arg(server, account.user);
        else
            text = Tr::tr("%1 refused the user name or password.").arg(server);
        break;
    default:
        text = errorClass(result.errorClass, Front::Window);
        if (said.isEmpty() && !result.detail.isEmpty())
            text += QLatin1Char(' ') + Tr::tr("(%1)").arg(result.detail);
        break;
    }
    if (!said.isEmpty() && result.errorClass != ErrorClass::Tls)
        text += QLatin1Char(' ') + Tr::tr("The server said: %1").arg(said);
    return text;
}

/// The window's sentence for a connection test that worked.
QString windowTestSuccess(const Capabilities &caps, const Account &account, const QString &server)
{
    QString how;
    switch (account.security) {
    case Security::Tls:
        how = Tr::tr("The connection is encrypted (TLS from the start).");
        break;
    case Security::StartTls:
        how = Tr::tr("The connection is encrypted (STARTTLS).");
        break;
    case Security::None:
        how = Tr::tr("The connection is NOT encrypted.");
        break;
    }
    const QString login = account.usesAuth() ? Tr::tr("The server accepted the login.")
                                             : Tr::tr("No login was used.");
    return Tr::tr("Connection to %1 works. %2 %3 Ready to send.\nThe server offers: %4")
        .arg(server, how, login, capabilities(caps));
}

/// The terminal's sentence for a failed connection test: what the test found only.
QString terminalTestFailure(const SmtpResult &r, const Account &account)
{
    QString s;
    switch (r.errorClass) {
    case ErrorClass::SignIn:
        s = Tr::tr("Not signed in, or the provider no longer accepts the sign-in: sign in again "
                   "(outpost account login %1).")
                .arg(account.name);
        break;
    case ErrorClass::Auth:
        s = r.reply.code == 0 ? Tr::tr("The login could not be tried.")
            : account.oauth.enabled()
                ? Tr::tr("The server refused the sign-in token (a fresh one from the provider).")
                : Tr::tr("The server did not accept the login (user name or password).");
        break;
    case ErrorClass::Certificate:
        s = Tr::tr("The server's certificate is not trusted.");
        break;
    case ErrorClass::Permanent:
        s = Tr::tr("The server refused the connection test.");
        break;
    case ErrorClass::Local:
        s = Tr::tr("The test could not be run with this account's settings.");
        break;
    default:
        s = errorClass(r.errorClass, Front::Terminal);
        break;
    }
    return withReply(s, r);
}
} // namespace

QString reply(const SmtpReply &r)
{
    if (isSmtpUtf8Refusal(r))
        return Tr::tr("not sent: the address has non-ASCII characters before the @ and the "
                      "server does not offer SMTPUTF8, which such an address needs");
    if (r.code == 0)
        return {};
    QString s = QString::number(r.code);
    if (!r.enhanced.isEmpty())
        s += QLatin1Char(' ') + QString::fromLatin1(r.enhanced);
    const QString text = r.text();
    if (!text.isEmpty())
        s += QLatin1Char(' ') + text;
    return s;
}

QString errorClass(ErrorClass c, Front front)
{
    const bool window = front == Front::Window;
    switch (c) {
    case ErrorClass::None:
        return window ? QString() : Tr::tr("Sent.");
    case ErrorClass::Transient:
        return Tr::tr("The server asked to try again later.");
    case ErrorClass::Permanent:
        return Tr::tr("The server refused the message.");
    case ErrorClass::Network:
        return window ? Tr::tr("The server could not be reached.")
                      : Tr::tr("Could not reach the server (network problem or server down).");
    case ErrorClass::Timeout:
        return window ? Tr::tr("The server did not answer in time.")
                      : Tr::tr("The server stopped answering.");
    case ErrorClass::Tls:
        return window ? Tr::tr("A secure connection to the server could not be set up.")
                      : Tr::tr("A secure (TLS) connection could not be set up; nothing was sent "
                               "in the clear.");
    case ErrorClass::Certificate:
        return window ? Tr::tr("The server's certificate is not trusted.")
                      : Tr::tr("The server's certificate is not trusted; nothing was sent.");
    case ErrorClass::Auth:
        return window ? Tr::tr("The server refused the user name or password.")
                      : Tr::tr("The server did not accept the login; sending is paused for this "
                               "account until the password is fixed.");
    case ErrorClass::Protocol:
        return window ? Tr::tr("The server answered something unexpected.")
                      : Tr::tr("The server sent something that is not valid SMTP.");
    case ErrorClass::Local:
        return window ? Tr::tr("The message could not be sent as written (address, size or a "
                               "missing server feature).")
                      : Tr::tr("Outpost could not send this message as it is.");
    case ErrorClass::Credentials:
        return window ? Tr::tr("The password command did not give the password in time; "
                               "Outpost tries again later.")
                      : Tr::tr("The password command did not finish in time; nothing was sent, "
                               "and Outpost tries again later.");
    case ErrorClass::Storage:
        return window ? Tr::tr("The message could not be read from the outbox; Outpost tries "
                               "again later.")
                      : Tr::tr("The message could not be read from the outbox file; nothing was "
                               "delivered, and Outpost tries again later.");
    case ErrorClass::SignIn:
        return window ? Tr::tr("The account needs attention: sign in again.")
                      : Tr::tr("The account needs attention: sign in again (outpost account "
                               "login); its messages are held until then.");
    }
    return {};
}

QString result(const SmtpResult &r)
{
    return withReply(errorClass(r.errorClass, Front::Terminal), r);
}

QString sentToSome(int reached, int total, Front front)
{
    return front == Front::Window ? Tr::tr("Sent to %1 of %2 recipients").arg(reached).arg(total)
                                  : Tr::tr("sent to %1 of %2 recipients").arg(reached).arg(total);
}

QString contentNotKept(const MessageSummary &m, Front front)
{
    if (m.contentKept())
        return {};
    const QString when =
        front == Front::Window
            ? QLocale().toString(m.contentDroppedAt.toLocalTime(), QLocale::ShortFormat)
            : m.contentDroppedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    return front == Front::Window
               ? Tr::tr("The content is no longer kept (dropped on %1, as sent messages keep it "
                        "for the days of retention.sent_days); the record, recipients and "
                        "history stay.")
                     .arg(when)
               : Tr::tr("no longer kept (dropped on %1 after retention.sent_days); the record, "
                        "recipients and history stay")
                     .arg(when);
}

QString contentNeededButDropped(Front front)
{
    return front == Front::Window
               ? Tr::tr("The content of this message is no longer kept: sent messages keep it "
                        "for the days of the retention.sent_days setting, then only their "
                        "record, recipients and history stay.")
               : Tr::tr("the content of this message is no longer kept (retention.sent_days); "
                        "only its record, recipients and history stay");
}

QString refusedRecipients(const QList<RecipientRecord> &refused, Front front)
{
    QStringList parts;
    for (const RecipientRecord &r : refused) {
        const QString address = QString::fromUtf8(r.address);
        const QString said = reply(r.reply);
        if (front == Front::Window)
            parts << (said.isEmpty() ? address : Tr::tr("%1: %2").arg(address, said));
        else
            parts << (said.isEmpty() ? Tr::tr("%1 refused").arg(address)
                                     : Tr::tr("%1 refused: %2").arg(address, said));
    }
    return parts.join(front == Front::Window ? QStringLiteral("\n") : QStringLiteral("; "));
}

QString partlySentLine(qint64 id, int reached, int total, const QList<RecipientRecord> &refused)
{
    return Tr::tr("message %1 %2: %3")
        .arg(id)
        .arg(sentToSome(reached, total, Front::Terminal),
             refusedRecipients(refused, Front::Terminal));
}

QString lastOutcome(const MessageSummary &m, Front front)
{
    if (front == Front::Terminal && m.delivery() == Delivery::Partial) {
        // The row has no room for who: the first refusal, and `show` lists them all.
        return Tr::tr("%1; first refusal: %2")
            .arg(sentToSome(m.recipientCount - m.refusedRecipients, m.recipientCount,
                            Front::Terminal),
                 reply(m.lastReply));
    }
    if (front == Front::Window) {
        const QString said = reply(m.lastReply);
        return said.isEmpty() ? errorClass(m.errorClass, Front::Window) : said;
    }
    if (m.errorClass == ErrorClass::None)
        return reply(m.lastReply);
    SmtpResult r;
    r.errorClass = m.errorClass;
    r.reply = m.lastReply;
    r.detail = m.lastDetail;
    return result(r);
}

QString scheduled(const MessageSummary &m, const QDateTime &now)
{
    if (m.state != MessageState::Queued || !m.sendAt.isValid() || m.sendAt <= now)
        return QString();
    return Tr::tr("scheduled for %1")
        .arg(m.sendAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
}

QString historyEvent(const HistoryEntry &h, Front front)
{
    switch (h.event) {
    case HistoryEvent::Unknown:
        return h.detail.isEmpty() ? Tr::tr("unknown event") : h.detail;
    case HistoryEvent::Queued:
        return Tr::tr("queued");
    case HistoryEvent::DraftSaved:
        return Tr::tr("draft saved");
    case HistoryEvent::Sent:
        return Tr::tr("sent");
    case HistoryEvent::SentSomeRefused:
        return Tr::tr("sent (some recipients refused)");
    case HistoryEvent::PartlyDeferred:
        return Tr::tr("partly sent; deferred recipients queued");
    case HistoryEvent::Deferred:
        return Tr::tr("deferred");
    case HistoryEvent::DeferredUnreachable:
        return Tr::tr("deferred (server unreachable)");
    case HistoryEvent::UncertainRequeued:
        return Tr::tr("may have been sent already (the connection broke before the server's "
                      "reply); queued again");
    case HistoryEvent::Expired:
        return Tr::tr("expired");
    case HistoryEvent::Failed:
        return Tr::tr("failed");
    case HistoryEvent::FailedAccountRemoved:
        return Tr::tr("failed (account removed)");
    case HistoryEvent::HeldAccountPaused:
        return Tr::tr("held (account paused)");
    case HistoryEvent::HeldByUser:
        return Tr::tr("held by the user");
    case HistoryEvent::Released:
        return Tr::tr("released");
    case HistoryEvent::ReleasedAccountResumed:
        return Tr::tr("released (account resumed)");
    case HistoryEvent::RetryRequested: {
        // The detail is the time the dropped schedule was for (ISO 8601): the window shows it
        // in the user's locale, the terminal as it is stored.
        if (h.detail.isEmpty())
            return Tr::tr("retry requested");
        QString when = h.detail;
        const QDateTime dropped = QDateTime::fromString(h.detail, Qt::ISODateWithMs);
        if (front == Front::Window) {
            if (!dropped.isValid())
                return Tr::tr("retry requested");
            when = QLocale().toString(dropped.toLocalTime(), QLocale::ShortFormat);
        }
        return Tr::tr("retry requested (schedule for %1 dropped)").arg(when);
    }
    case HistoryEvent::Recovered:
        return Tr::tr("queued again after Outpost stopped (the server had not been given the "
                      "whole message)");
    case HistoryEvent::RecoveredUncertain:
        return Tr::tr("may have been sent already (Outpost stopped before the server's reply "
                      "was recorded); queued again");
    case HistoryEvent::RecoveredSent:
        return Tr::tr("sent (the server's acceptance was recorded just before Outpost stopped)");
    case HistoryEvent::Interrupted:
        return Tr::tr("interrupted (Outpost quit)");
    case HistoryEvent::Cancelled:
        return Tr::tr("cancelled by the user");
    case HistoryEvent::BackToDraft:
        return Tr::tr("back to draft for editing");
    case HistoryEvent::EditedDraft:
        return Tr::tr("edited, draft saved");
    case HistoryEvent::EditedQueued:
        return Tr::tr("edited and queued");
    case HistoryEvent::TokenRefused:
        return Tr::tr("the server refused the sign-in token; sent again with a new one");
    case HistoryEvent::ContentDropped:
        if (h.detail.isEmpty())
            return Tr::tr("content no longer kept; record kept");
        return Tr::tr("content no longer kept (sent more than %1 days before); record kept")
            .arg(h.detail);
    case HistoryEvent::Copied:
        return Tr::tr("copied to the Sent folder");
    case HistoryEvent::CopyFailed:
        return Tr::tr("copy to the Sent folder failed; will retry");
    case HistoryEvent::CopyGivenUp:
        return Tr::tr("copy to the Sent folder failed; given up");
    case HistoryEvent::ResolvedBySentFolder:
        return Tr::tr("found in the Sent folder: the server had taken it; not sent again");
    case HistoryEvent::NotInSentFolder:
        return Tr::tr("not found in the Sent folder; sent again");
    case HistoryEvent::SentFolderUnchecked:
        return Tr::tr("the Sent folder could not be checked; sent again");
    }
    return h.detail;
}

QString mayHaveBeenSent(Front front, bool explained)
{
    if (!explained)
        return Tr::tr("may have been sent already");
    const QString why =
        Tr::tr("an earlier attempt handed the whole message to the server, but its reply never "
               "arrived or was never recorded (the connection broke, or Outpost stopped). It is "
               "sent again with the same Message-ID, so a recipient may get it twice.");
    return front == Front::Window ? Tr::tr("May have been sent already: %1").arg(why)
                                  : Tr::tr("may have been sent already: %1").arg(why);
}

QString imapErrorClass(ImapErrorClass c)
{
    switch (c) {
    case ImapErrorClass::None:
        return {};
    case ImapErrorClass::Refused:
        return Tr::tr("The IMAP server refused to store the copy.");
    case ImapErrorClass::Quota:
        return Tr::tr("The mailbox is full (over its quota).");
    case ImapErrorClass::NoMailbox:
        return Tr::tr("The Sent folder does not exist on the IMAP server.");
    case ImapErrorClass::Unavailable:
        return Tr::tr("The IMAP server is busy or unavailable for now.");
    case ImapErrorClass::Bad:
        return Tr::tr("The IMAP server did not understand the request.");
    case ImapErrorClass::Network:
        return Tr::tr("Could not reach the IMAP server, or the connection was lost.");
    case ImapErrorClass::Timeout:
        return Tr::tr("The IMAP server did not answer in time.");
    case ImapErrorClass::Tls:
        return Tr::tr("A secure connection to the IMAP server could not be set up.");
    case ImapErrorClass::Certificate:
        return Tr::tr("The IMAP server's certificate is not trusted.");
    case ImapErrorClass::Auth:
        return Tr::tr("The IMAP server refused the login.");
    case ImapErrorClass::Protocol:
        return Tr::tr("The IMAP server sent something unexpected.");
    case ImapErrorClass::Local:
        return Tr::tr("The copy could not be made here.");
    }
    return {};
}

QString copyState(const MessageSummary &m, Front front)
{
    switch (m.copyState) {
    case CopyState::None:
        return {};
    case CopyState::Pending:
        return Tr::tr("copy to Sent pending");
    case CopyState::Copied:
        return Tr::tr("copied to Sent");
    case CopyState::Failed: {
        const QString why = imapErrorClass(imapErrorClassFromName(m.copyErrorClass));
        const QString text =
            m.copyError.isEmpty()
                ? QString()
                : (front == Front::Window ? QStringLiteral("\n%1").arg(m.copyError)
                                          : QStringLiteral(" (\"%1\")").arg(m.copyError));
        const QString when = m.copyNextAttemptAt.isValid()
                                 ? Tr::tr("retry at %1")
                                       .arg(QLocale().toString(m.copyNextAttemptAt.toLocalTime(),
                                                               QLocale::ShortFormat))
                                 : Tr::tr("no more retries");
        return Tr::tr("copy to Sent failed, %1: %2%3").arg(when, why, text);
    }
    }
    return {};
}

QString historyNote(const QString &note, Front front)
{
    if (note == QLatin1String("dsn-not-offered"))
        return front == Front::Window
                   ? Tr::tr("The server does not offer delivery status notifications, so none "
                            "were asked for.")
                   : Tr::tr("the server does not offer delivery status notifications (DSN), so "
                            "none were requested from it");
    return note;
}

QString signInFailure(const OAuthError &e, const QString &account, Front front)
{
    const bool window = front == Front::Window;
    switch (e.code) {
    case OAuthErrorCode::None:
        return {};
    case OAuthErrorCode::BrowserTimeout:
        return window ? Tr::tr("The sign-in was not finished in the browser in time.")
                      : Tr::tr("the browser did not come back in time; nothing was changed (run "
                               "outpost account login %1 again)")
                            .arg(account);
    case OAuthErrorCode::StateMismatch:
        return Tr::tr("the answer that came back to Outpost was not for this sign-in (wrong "
                      "\"state\"); it was refused and nothing was changed");
    case OAuthErrorCode::AccessDenied:
        return Tr::tr("the sign-in was refused (by you, or by a policy of the provider)");
    case OAuthErrorCode::InvalidGrant:
        return Tr::tr("the provider refused the sign-in (%1)").arg(e.toString());
    case OAuthErrorCode::InvalidClient:
        return Tr::tr("the provider refused the client id of this account (%1); check the "
                      "registration")
            .arg(e.toString());
    case OAuthErrorCode::ExpiredToken:
        return Tr::tr("the code expired before it was entered");
    case OAuthErrorCode::Network:
        return Tr::tr("the provider could not be reached (%1)").arg(e.description);
    case OAuthErrorCode::BadResponse:
    case OAuthErrorCode::ServerError:
        return Tr::tr("the provider answered with an error (%1)").arg(e.toString());
    case OAuthErrorCode::Cancelled:
        return Tr::tr("the sign-in was cancelled");
    case OAuthErrorCode::LoopbackFailed:
        return Tr::tr("no port could be opened on 127.0.0.1 for the browser to come back to (%1)")
            .arg(e.description);
    case OAuthErrorCode::NoClientId:
    case OAuthErrorCode::Configuration:
        return Tr::tr("the account's sign-in settings cannot be used: %1").arg(e.description);
    }
    return e.toString();
}

QString signOutText(const SignOutResult &r, const Account &account, Front front)
{
    const bool window = front == Front::Window;
    const QString held = window ? Tr::tr("Its messages will wait until you sign in again.")
                                : Tr::tr("Its messages are held until you sign in again "
                                         "(outpost account login %1).")
                                      .arg(account.name);
    switch (r.outcome) {
    case SignOutOutcome::Revoked:
        return Tr::tr("Signed out: the provider revoked the sign-in of %1 and it was removed from "
                      "this computer.")
                   .arg(account.user) +
               QLatin1Char(' ') + held;
    case SignOutOutcome::NoRevocation:
        return Tr::tr("Signed out: the sign-in of %1 was removed from this computer. The "
                      "provider offers no way for an app to revoke it; to end it there too, "
                      "remove Outpost's access on the provider's account security page.")
                   .arg(account.user) +
               QLatin1Char(' ') + held;
    case SignOutOutcome::NotSignedIn:
        return window ? Tr::tr("Not signed in; there was nothing to sign out of.")
                      : Tr::tr("account %1 was not signed in; nothing to do.").arg(account.name);
    case SignOutOutcome::RevokeFailed:
        return Tr::tr("The sign-in of %1 was removed from this computer, but the provider could "
                      "not revoke it (%2); it stays valid there until it expires or you remove "
                      "Outpost's access on the provider's account page.")
                   .arg(account.user, signInFailure(r.revocation, account.name, front)) +
               QLatin1Char(' ') + held;
    case SignOutOutcome::RemoveFailed:
        return Tr::tr("The sign-in could not be removed from this computer: %1").arg(r.detail);
    }
    return {};
}

QString noticeTitle(const Notice &n)
{
    switch (n.kind) {
    case Notice::Kind::AccountPaused:
        if (n.result.errorClass == ErrorClass::SignIn)
            return Tr::tr("%1 needs attention: sign in again").arg(n.account);
        return Tr::tr("Sending paused for %1").arg(n.account);
    case Notice::Kind::MessageFailed:
        return Tr::tr("A message could not be sent");
    case Notice::Kind::BatchSent:
        return Tr::tr("Messages sent");
    case Notice::Kind::PartiallySent:
        return Tr::tr("A message reached only some recipients");
    case Notice::Kind::DiskFull:
        return Tr::tr("The disk is full");
    }
    return {};
}

QString noticeText(const Notice &n, Front front)
{
    if (front == Front::Terminal) {
        switch (n.kind) {
        case Notice::Kind::AccountPaused:
            return Tr::tr("account %1: %2").arg(n.account, result(n.result));
        case Notice::Kind::MessageFailed:
            return Tr::tr("message %1 failed: %2").arg(n.messageId).arg(result(n.result));
        case Notice::Kind::BatchSent:
            return Tr::tr("%1 message(s) written while offline have been sent").arg(n.count);
        case Notice::Kind::PartiallySent:
            return partlySentLine(n.messageId, n.count, n.recipients, n.refused);
        case Notice::Kind::DiskFull:
            return Tr::tr("%1; sending stopped until the outbox can be written again")
                .arg(diskFull(n.storage.freeBytes, Front::Terminal));
        }
        return {};
    }
    if (n.kind == Notice::Kind::DiskFull)
        return Tr::tr("%1 Sending stopped until there is room again.")
            .arg(diskFull(n.storage.freeBytes, Front::Window));
    if (n.kind == Notice::Kind::PartiallySent)
        return Tr::tr("%1. The server refused:\n%2")
            .arg(sentToSome(n.count, n.recipients, Front::Window),
                 refusedRecipients(n.refused, Front::Window));
    QString what = errorClass(n.result.errorClass, Front::Window);
    const QString said = reply(n.result.reply);
    if (!said.isEmpty())
        what += QLatin1Char(' ') + Tr::tr("The server said: %1").arg(said);
    switch (n.kind) {
    case Notice::Kind::AccountPaused:
        return Tr::tr("%1 %n message(s) are held until you fix the account.", nullptr, n.count)
            .arg(what);
    case Notice::Kind::MessageFailed:
        return what;
    case Notice::Kind::BatchSent:
        return Tr::tr("%n message(s) written while offline have been sent.", nullptr, n.count);
    case Notice::Kind::PartiallySent:
    case Notice::Kind::DiskFull:
        break; // above
    }
    return {};
}

QString size(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString diskFull(qint64 freeBytes, Front front)
{
    const QString free = freeBytes >= 0 ? Tr::tr(" (%1 free)").arg(size(freeBytes)) : QString();
    if (front == Front::Window)
        return Tr::tr("The disk holding the outbox is full%1; nothing was lost. Free some room "
                      "on it, or delete messages you no longer need.")
            .arg(free);
    return Tr::tr("the disk holding the outbox is full%1; nothing was lost (free some room on "
                  "it, or cancel messages you no longer need with `outpost cancel ID`)")
        .arg(free);
}

QString capabilities(const Capabilities &caps)
{
    if (!caps.esmtp)
        return Tr::tr("basic SMTP only (the server did not accept EHLO)");
    QStringList parts;
    if (!caps.authMechanisms.isEmpty())
        parts << Tr::tr("login: %1").arg(caps.authMechanisms.join(QLatin1String(", ")));
    else
        parts << Tr::tr("no login offered");
    if (caps.sizeLimit > 0)
        parts << Tr::tr("largest message %1").arg(size(caps.sizeLimit));
    if (caps.startTls)
        parts << Tr::tr("STARTTLS");
    if (caps.pipelining)
        parts << Tr::tr("pipelining");
    if (caps.chunking)
        parts << Tr::tr("chunking");
    if (caps.eightBitMime)
        parts << Tr::tr("8-bit text");
    if (caps.smtpUtf8)
        parts << Tr::tr("international addresses");
    if (caps.dsn)
        parts << Tr::tr("delivery status notifications");
    return parts.join(QStringLiteral(" · "));
}

QString connectionTest(const SmtpResult &result, const Capabilities &caps, const Account &account,
                       Front front)
{
    if (front == Front::Terminal) {
        if (!result.ok())
            return terminalTestFailure(result, account);
        QString s = Tr::tr("OK: connected, %1, ready to send.\nCapabilities:\n")
                        .arg(caps.esmtp ? Tr::tr("EHLO accepted") : Tr::tr("HELO only"));
        for (const QString &cap : caps.describe())
            s += QStringLiteral("  %1\n").arg(cap);
        return s;
    }
    const QString server = QStringLiteral("%1:%2").arg(account.host).arg(account.port);
    return result.ok() ? windowTestSuccess(caps, account, server)
                       : windowTestFailure(result, account, server);
}

QString dataDirProblem(const DataDirCheck &c)
{
    switch (c.problem) {
    case DataDirProblem::None:
        return {};
    case DataDirProblem::CannotCreate:
        return Tr::tr("The data folder %1 cannot be created or read.").arg(c.path);
    case DataDirProblem::NotADirectory:
        return Tr::tr("%1 is not a folder.").arg(c.path);
    case DataDirProblem::NotOwned:
        return Tr::tr("%1 belongs to another user (user id %2); Outpost uses only a data folder "
                      "of your own. Choose another with --data-dir.")
            .arg(c.path)
            .arg(c.ownerId);
    case DataDirProblem::WritableByOthers:
        return Tr::tr("%1 may be changed by other users, so what it holds cannot be trusted. "
                      "Make it yours alone (chmod go-w, or chmod 700 for a folder) and check "
                      "what is in it.")
            .arg(c.path);
    case DataDirProblem::Symlink:
        return Tr::tr("%1 is a symbolic link; Outpost does not follow links for its outbox "
                      "files. Put the real file there.")
            .arg(c.path);
    }
    return {};
}

QString tightened(const DataDirCheck &c)
{
    QStringList lines;
    for (const QString &t : c.tightened)
        lines << Tr::tr("made %1 readable by you only").arg(t);
    return lines.join(QLatin1Char('\n'));
}

QString damagedOutboxQuestion(const QString &why)
{
    return Tr::tr("The outbox database cannot be used:\n%1\n\nSalvage copies every account, "
                  "setting and message that can still be read into a new outbox and keeps the "
                  "damaged file beside it. Move aside starts with an empty outbox (nothing is "
                  "deleted).")
        .arg(why);
}

QString salvageReport(const SalvageReport &r, const QString &database)
{
    switch (r.failure) {
    case SalvageReport::Failure::None:
        break;
    case SalvageReport::Failure::Unreadable:
    case SalvageReport::Failure::Unusable:
        return Tr::tr("nothing could be salvaged from %1; nothing was changed (%2)")
            .arg(database, r.detail);
    case SalvageReport::Failure::RecoverFailed:
    case SalvageReport::Failure::CannotSwap:
        return Tr::tr("the salvaged outbox could not be written or put in place; nothing was "
                      "changed (%1)")
            .arg(r.detail);
    }
    QStringList states;
    for (const QString &s :
         {QStringLiteral("queued"), QStringLiteral("held"), QStringLiteral("draft"),
          QStringLiteral("sending"), QStringLiteral("failed"), QStringLiteral("sent")}) {
        if (r.messagesByState.value(s) > 0)
            states << QStringLiteral("%1 %2").arg(r.messagesByState.value(s)).arg(s);
    }
    return Tr::tr("salvaged %1: %2 message(s) recovered%3, %4 lost; %5 account(s) and %6 "
                  "setting(s) kept\nthe damaged file is kept as %7")
        .arg(database)
        .arg(r.recoveredMessages)
        .arg(states.isEmpty() ? QString()
                              : QStringLiteral(" (%1)").arg(states.join(QLatin1String(", "))))
        .arg(r.lostMessages)
        .arg(r.accounts)
        .arg(r.settings)
        .arg(r.damagedKeptAs);
}

QString damagedOutboxAdvice(const QString &database)
{
    return Tr::tr(
               "nothing was changed. `outpost salvage` copies every account, setting and message "
               "that can still be read into a new outbox and keeps the damaged file beside "
               "it. To start with an empty outbox instead, move the damaged file aside:\n"
               "  mv '%1' '%1.damaged'  (and the same for '%1-wal' if it exists)")
        .arg(database);
}

} // namespace outpost::words
