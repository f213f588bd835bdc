#include "Words.h"

#include "Cli.h"

namespace outpost::words {

namespace {
QString classSentence(ErrorClass c)
{
    switch (c) {
    case ErrorClass::None:
        return QStringLiteral("Sent.");
    case ErrorClass::Transient:
        return QStringLiteral("The server asked to try again later.");
    case ErrorClass::Permanent:
        return QStringLiteral("The server refused the message.");
    case ErrorClass::Network:
        return QStringLiteral("Could not reach the server (network problem or server down).");
    case ErrorClass::Timeout:
        return QStringLiteral("The server stopped answering.");
    case ErrorClass::Tls:
        return QStringLiteral(
            "A secure (TLS) connection could not be set up; nothing was sent in the clear.");
    case ErrorClass::Certificate:
        return QStringLiteral("The server's certificate is not trusted; nothing was sent.");
    case ErrorClass::Auth:
        return QStringLiteral("The server did not accept the login; sending is paused for this "
                              "account until the password is fixed.");
    case ErrorClass::Protocol:
        return QStringLiteral("The server sent something that is not valid SMTP.");
    case ErrorClass::Local:
        return QStringLiteral("Outpost could not send this message as it is.");
    }
    return {};
}

QString replyText(const SmtpReply &r)
{
    if (r.code == 0)
        return {};
    QString s = QString::number(r.code);
    if (!r.enhanced.isEmpty())
        s += QLatin1Char(' ') + QString::fromLatin1(r.enhanced);
    const QString t = r.text();
    if (!t.isEmpty())
        s += QLatin1Char(' ') + t;
    return s;
}
} // namespace

/// `sentence` followed by the server's reply in quotes, or else the detail in parentheses.
static QString withReply(QString sentence, const SmtpResult &r)
{
    const QString reply = replyText(r.reply);
    if (!reply.isEmpty())
        sentence += QStringLiteral(" Server said: \"%1\".").arg(reply);
    else if (!r.detail.isEmpty())
        sentence += QStringLiteral(" (%1)").arg(r.detail);
    return sentence;
}

QString describeResult(const SmtpResult &r)
{
    return withReply(classSentence(r.errorClass), r);
}

QString describeTestResult(const SmtpResult &r)
{
    // A connection test sends nothing and pauses nothing: the sentence is its result only.
    QString s;
    switch (r.errorClass) {
    case ErrorClass::Auth:
        s = r.reply.code == 0 ? QStringLiteral("The login could not be tried.")
                              : QStringLiteral("The server did not accept the login (user name or "
                                               "password).");
        break;
    case ErrorClass::Certificate:
        s = QStringLiteral("The server's certificate is not trusted.");
        break;
    case ErrorClass::Permanent:
        s = QStringLiteral("The server refused the connection test.");
        break;
    case ErrorClass::Local:
        s = QStringLiteral("The test could not be run with this account's settings.");
        break;
    default:
        s = classSentence(r.errorClass);
        break;
    }
    return withReply(s, r);
}

QString lastOutcome(const MessageSummary &m)
{
    if (m.errorClass == ErrorClass::None)
        return replyText(m.lastReply);
    SmtpResult r;
    r.errorClass = m.errorClass;
    r.reply = m.lastReply;
    r.detail = m.lastDetail;
    return describeResult(r);
}

QString oneLine(QString v)
{
    v.replace(QLatin1String("\r\n"), QLatin1String(" "));
    for (QChar &c : v) {
        if (c == QLatin1Char('\n') || c == QLatin1Char('\r') || c == QLatin1Char('\t') ||
            c == QChar(0x2028) || c == QChar(0x2029) || c == QChar(0x0085))
            c = QLatin1Char(' ');
    }
    return v;
}

QString historyEvent(const HistoryEntry &h)
{
    switch (h.event) {
    case HistoryEvent::Unknown:
        return h.detail.isEmpty() ? QStringLiteral("unknown event") : h.detail;
    case HistoryEvent::Queued:
        return QStringLiteral("queued");
    case HistoryEvent::DraftSaved:
        return QStringLiteral("draft saved");
    case HistoryEvent::Sent:
        return QStringLiteral("sent");
    case HistoryEvent::SentSomeRefused:
        return QStringLiteral("sent (some recipients refused)");
    case HistoryEvent::PartlyDeferred:
        return QStringLiteral("partly sent; deferred recipients queued");
    case HistoryEvent::Deferred:
        return QStringLiteral("deferred");
    case HistoryEvent::DeferredUnreachable:
        return QStringLiteral("deferred (server unreachable)");
    case HistoryEvent::UncertainRequeued:
        return QStringLiteral("delivery uncertain; queued again");
    case HistoryEvent::Expired:
        return QStringLiteral("expired");
    case HistoryEvent::Failed:
        return QStringLiteral("failed");
    case HistoryEvent::FailedAccountRemoved:
        return QStringLiteral("failed (account removed)");
    case HistoryEvent::HeldAccountPaused:
        return QStringLiteral("held (account paused)");
    case HistoryEvent::HeldByUser:
        return QStringLiteral("held by the user");
    case HistoryEvent::Released:
        return QStringLiteral("released");
    case HistoryEvent::ReleasedAccountResumed:
        return QStringLiteral("released (account resumed)");
    case HistoryEvent::RetryRequested:
        return h.detail.isEmpty()
                   ? QStringLiteral("retry requested")
                   : QStringLiteral("retry requested (schedule for %1 dropped)").arg(h.detail);
    case HistoryEvent::Recovered:
        return QStringLiteral("recovered");
    case HistoryEvent::Interrupted:
        return QStringLiteral("interrupted (Outpost quit)");
    case HistoryEvent::Cancelled:
        return QStringLiteral("cancelled by the user");
    case HistoryEvent::BackToDraft:
        return QStringLiteral("back to draft for editing");
    case HistoryEvent::EditedDraft:
        return QStringLiteral("edited, draft saved");
    case HistoryEvent::EditedQueued:
        return QStringLiteral("edited and queued");
    }
    return h.detail;
}

QString describeMessage(const MessageRecord &m)
{
    QString s;
    s += QStringLiteral("Message %1 (%2)\n").arg(m.id).arg(messageStateName(m.state));
    s += QStringLiteral("  Account:    %1\n  From:       %2\n  To:         %3\n  Subject:    %4\n")
             .arg(oneLine(m.account), oneLine(m.fromText), oneLine(m.toText), oneLine(m.subject));
    s += QStringLiteral("  Message-ID: <%1>\n  Attempts:   %2\n")
             .arg(QString::fromLatin1(m.messageId))
             .arg(m.attempts);
    if (m.state == MessageState::Queued && m.nextAttemptAt.isValid())
        s += QStringLiteral("  Next try:   %1\n")
                 .arg(m.nextAttemptAt.toLocalTime().toString(Qt::ISODate));
    if (m.errorClass != ErrorClass::None)
        s += QStringLiteral("  Why:        %1\n").arg(oneLine(lastOutcome(m)));
    if (m.uncertain)
        s += QStringLiteral(
            "  Note:       the connection broke after the message was handed over; it may "
            "have arrived already, and was sent again with the same Message-ID\n");
    if (m.dsn.isRequested())
        s += QStringLiteral("  DSN:        %1\n").arg(describeDsn(m.dsn));
    s += QStringLiteral("  Recipients:\n");
    for (const RecipientRecord &r : m.recipients)
        s += QStringLiteral("    %1  %2  %3\n")
                 .arg(oneLine(QString::fromUtf8(r.address)), messageStateName(r.state),
                      oneLine(replyText(r.reply)));
    s += QStringLiteral("  History:\n");
    for (const HistoryEntry &h : m.history) {
        s += QStringLiteral("    %1  %2")
                 .arg(h.at.toLocalTime().toString(Qt::ISODate), oneLine(historyEvent(h)));
        if (h.errorClass != ErrorClass::None)
            s += QStringLiteral(" [%1]").arg(errorClassName(h.errorClass));
        const QString reply = oneLine(replyText(h.reply));
        if (!reply.isEmpty())
            s += QStringLiteral(" %1").arg(reply);
        else if (!h.detail.isEmpty() && h.event != HistoryEvent::RetryRequested &&
                 h.event != HistoryEvent::Unknown) // their words include the detail
            s += QStringLiteral(" (%1)").arg(oneLine(h.detail));
        if (h.uncertain)
            s += QStringLiteral(" (delivery uncertain)");
        for (const QString &note : h.notes)
            s += QStringLiteral("; note: %1").arg(describeNote(note));
        s += QLatin1Char('\n');
    }
    return s;
}

QString describeDsnProblem(DsnProblem p, const QString &option, const QString &value)
{
    switch (p) {
    case DsnProblem::None:
        return {};
    case DsnProblem::NotifyEmpty:
        return QStringLiteral("%1 needs \"never\" or a list of success, failure, delay")
            .arg(option);
    case DsnProblem::NotifyUnknown:
        return QStringLiteral(
                   "%1: unknown notification \"%2\" (use never, or any of success, failure, "
                   "delay separated by commas)")
            .arg(option, value);
    case DsnProblem::NotifyNeverCombined:
        return QStringLiteral("%1: \"never\" cannot be combined with success, failure or delay")
            .arg(option);
    case DsnProblem::RetUnknown:
        return QStringLiteral("%1 is full or hdrs, not \"%2\"").arg(option, value);
    case DsnProblem::EnvidTooLong:
        return QStringLiteral("%1: the envelope id is %2 characters long; at most %3 are allowed")
            .arg(option)
            .arg(value.size())
            .arg(kDsnEnvidMax);
    case DsnProblem::EnvidNotPrintable:
        return QStringLiteral("%1: the envelope id may hold only printable ASCII characters")
            .arg(option);
    }
    return {};
}

QString describeDsn(const DsnRequest &d)
{
    QStringList parts;
    if (d.notify != DsnRequest::NotifyDefault)
        parts << QStringLiteral("notify=") + dsnNotifyName(d.notify);
    if (d.ret != DsnRequest::Ret::Default)
        parts << QStringLiteral("ret=") + dsnRetName(d.ret);
    if (!d.envid.isEmpty())
        parts << QStringLiteral("envid=") + QString::fromLatin1(d.envid);
    return parts.join(QLatin1Char(' '));
}

QString describeNote(const QString &note)
{
    if (note == QLatin1String("dsn-not-offered"))
        return QStringLiteral("the server does not offer delivery status notifications (DSN), "
                              "so none were requested from it");
    return note;
}

QString describeNotice(const Notice &n)
{
    switch (n.kind) {
    case Notice::Kind::AccountPaused:
        return QStringLiteral("account %1: %2").arg(n.account, describeResult(n.result));
    case Notice::Kind::MessageFailed:
        return QStringLiteral("message %1 failed: %2")
            .arg(n.messageId)
            .arg(describeResult(n.result));
    case Notice::Kind::BatchSent:
        return QStringLiteral("%1 message(s) written while offline have been sent").arg(n.count);
    }
    return {};
}

int exitCodeFor(ErrorClass c)
{
    switch (c) {
    case ErrorClass::None:
        return exitcode::Ok;
    case ErrorClass::Auth:
        return exitcode::NoPerm;
    case ErrorClass::Local:
    case ErrorClass::Permanent:
        return exitcode::DataErr;
    case ErrorClass::Tls:
    case ErrorClass::Certificate:
        return exitcode::Config;
    case ErrorClass::Network:
        return exitcode::Unavailable;
    default:
        return exitcode::TempFail;
    }
}

QString describeDataDir(const DataDirCheck &c)
{
    switch (c.problem) {
    case DataDirProblem::None:
        return {};
    case DataDirProblem::CannotCreate:
        return QStringLiteral("The data folder %1 cannot be created or read.").arg(c.path);
    case DataDirProblem::NotADirectory:
        return QStringLiteral("%1 is not a folder.").arg(c.path);
    case DataDirProblem::NotOwned:
        return QStringLiteral("%1 belongs to another user (user id %2); Outpost uses only a data "
                              "folder of your own. Choose another with --data-dir.")
            .arg(c.path)
            .arg(c.ownerId);
    case DataDirProblem::WritableByOthers:
        return QStringLiteral("%1 may be changed by other users, so what it holds cannot be "
                              "trusted. Make it yours alone (chmod go-w, or chmod 700 for a "
                              "folder) and check what is in it.")
            .arg(c.path);
    case DataDirProblem::Symlink:
        return QStringLiteral("%1 is a symbolic link; Outpost does not follow links for its "
                              "outbox files. Put the real file there.")
            .arg(c.path);
    }
    return {};
}

QString describeTightened(const DataDirCheck &c)
{
    QStringList lines;
    for (const QString &t : c.tightened)
        lines << QStringLiteral("made %1 readable by you only").arg(t);
    return lines.join(QLatin1Char('\n'));
}

} // namespace outpost::words
