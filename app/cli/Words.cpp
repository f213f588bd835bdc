#include "Words.h"

#include "Console.h"
#include "FlushProgress.h"
#include "SharedWords.h"

#include "accounts/SentCopy.h"
#include "outbox/Retention.h"
#include <algorithm>

namespace outpost::cli {

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

QString shellWord(const QString &value)
{
    static const QString safe =
        QStringLiteral("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-");
    const bool plain = !value.isEmpty() && std::all_of(value.cbegin(), value.cend(),
                                                       [](QChar c) { return safe.contains(c); });
    if (plain)
        return value;
    return QLatin1Char('\'') + QString(value).replace(QLatin1String("'"), QLatin1String("'\\''")) +
           QLatin1Char('\'');
}

QString untrustedCertificate(const QString &account, const QList<CertificateFacts> &chain)
{
    if (chain.isEmpty())
        return {};
    const CertificateFacts &leaf = chain.first();
    const QString fingerprint = QString::fromLatin1(leaf.sha256.toHex(':').toUpper());
    QString s = QStringLiteral("The server's certificate:\n");
    s += QStringLiteral("  SHA-256 fingerprint: %1\n").arg(fingerprint);
    s += QStringLiteral("  issued to:  %1\n")
             .arg(oneLine(leaf.names.isEmpty() ? QStringLiteral("(no name)")
                                               : leaf.names.join(QLatin1String(", "))));
    s += QStringLiteral("  issued by:  %1\n")
             .arg(leaf.selfSigned ? QStringLiteral("itself (self-signed: no authority vouches "
                                                   "for it)")
                                  : oneLine(leaf.issuer));
    s += QStringLiteral("  valid:      %1 to %2 (UTC)\n")
             .arg(leaf.notBefore.toString(Qt::ISODate), leaf.notAfter.toString(Qt::ISODate));
    const QString name = shellWord(account);
    s +=
        QStringLiteral("If you know this is the server's certificate (compare the fingerprint with "
                       "what its administrator says), trust exactly it for this account:\n"
                       "  outpost account edit %1 --pin-sha256 %2\n")
            .arg(name, leaf.pinHex());
    if (leaf.selfSigned)
        s += QStringLiteral("or save the certificate as a PEM file and trust it with:\n"
                            "  outpost account edit %1 --ca-file SERVER.pem\n")
                 .arg(name);
    else
        s += QStringLiteral("or trust the authority that issued it (\"%1\") with its certificate "
                            "as a PEM file:\n"
                            "  outpost account edit %2 --ca-file ISSUER.pem\n")
                 .arg(oneLine(leaf.issuer), name);
    return s;
}

void printUntrustedCertificate(Console &console, const QString &account,
                               const QList<CertificateFacts> &chain)
{
    const QString text = untrustedCertificate(account, chain);
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        console.errLine(line);
}

namespace {
/// The command that fixes what holds message `m` for its account, in a sentence; "" when it is
/// not held for its account or nothing but a retry helps.
QString nextStepForHeld(const MessageSummary &m)
{
    if (m.state != MessageState::Held || !m.heldByAccount)
        return {};
    const QString name = shellWord(m.account);
    switch (m.errorClass) {
    case ErrorClass::Certificate:
        return QStringLiteral("`outpost account test %1` shows the server's certificate and the "
                              "exact command that trusts it")
            .arg(name);
    case ErrorClass::SignIn:
        return QStringLiteral("sign in again: `outpost account login %1`").arg(name);
    case ErrorClass::Auth:
    case ErrorClass::Credentials:
        return QStringLiteral("give the right password: `outpost account edit %1 "
                              "--password-stdin` (or --password-command)")
            .arg(name);
    case ErrorClass::Tls:
        return QStringLiteral("check the security setting: `outpost account test %1`, then "
                              "`outpost account edit %1 --security tls|starttls --port P`")
            .arg(name);
    default:
        return QStringLiteral("`outpost retry %1` tries again").arg(m.id);
    }
}
} // namespace

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
        s += QStringLiteral("  Why:        %1\n")
                 .arg(oneLine(words::lastOutcome(m, words::Front::Terminal)));
    if (m.delivery() == Delivery::Partial) {
        QList<RecipientRecord> refused;
        for (const RecipientRecord &r : m.recipients) {
            if (r.state == MessageState::Failed)
                refused << r;
        }
        s += QStringLiteral("  Delivery:   partial, %1: %2\n")
                 .arg(words::sentToSome(m.recipientCount - m.refusedRecipients, m.recipientCount,
                                        words::Front::Terminal),
                      oneLine(words::refusedRecipients(refused, words::Front::Terminal)));
    }
    if (const QString step = nextStepForHeld(m); !step.isEmpty())
        s += QStringLiteral("  To do:      %1\n").arg(step);
    if (m.uncertain)
        s += QStringLiteral("  Note:       %1\n")
                 .arg(words::mayHaveBeenSent(words::Front::Terminal, true));
    if (m.dsn.isRequested())
        s += QStringLiteral("  DSN:        %1\n").arg(describeDsn(m.dsn));
    if (!m.contentKept())
        s += QStringLiteral("  Content:    %1\n")
                 .arg(words::contentNotKept(m, words::Front::Terminal));
    if (m.copyState != CopyState::None)
        s += QStringLiteral("  Sent copy:  %1\n")
                 .arg(oneLine(words::copyState(m, words::Front::Terminal)));
    s += QStringLiteral("  Recipients:\n");
    for (const RecipientRecord &r : m.recipients)
        s += QStringLiteral("    %1  %2  %3\n")
                 .arg(oneLine(QString::fromUtf8(r.address)), messageStateName(r.state),
                      oneLine(words::reply(r.reply)));
    s += QStringLiteral("  History:\n");
    for (const HistoryEntry &h : m.history) {
        s += QStringLiteral("    %1  %2")
                 .arg(h.at.toLocalTime().toString(Qt::ISODate),
                      oneLine(words::historyEvent(h, words::Front::Terminal)));
        if (h.errorClass != ErrorClass::None)
            s += QStringLiteral(" [%1]").arg(errorClassName(h.errorClass));
        const QString reply = oneLine(words::reply(h.reply));
        if (!reply.isEmpty())
            s += QStringLiteral(" %1").arg(reply);
        else if (!h.detail.isEmpty() && h.event != HistoryEvent::RetryRequested &&
                 h.event != HistoryEvent::Unknown) // their words include the detail
            s += QStringLiteral(" (%1)").arg(oneLine(h.detail));
        if (h.uncertain && h.event != HistoryEvent::UncertainRequeued &&
            h.event != HistoryEvent::RecoveredUncertain) // their words say so
            s += QStringLiteral(" (%1)").arg(words::mayHaveBeenSent(words::Front::Terminal, false));
        for (const QString &note : h.notes)
            s += QStringLiteral("; note: %1").arg(words::historyNote(note, words::Front::Terminal));
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

QString flushProgress(const FlushCounts &c, double perSecond)
{
    QString line = QStringLiteral("Sending: %1 of %2 \u2014 %3 sent, %4 deferred, %5 failed")
                       .arg(c.done())
                       .arg(c.total)
                       .arg(c.sent)
                       .arg(c.deferred)
                       .arg(c.failed);
    if (c.held > 0)
        line += QStringLiteral(", %1 held").arg(c.held);
    if (perSecond >= 0)
        // Whole messages from 10 a second on; below that a tenth tells a slow server from a
        // stalled one.
        line += QStringLiteral(" \u2014 %1 msg/s")
                    .arg(perSecond >= 10 ? QString::number(qRound(perSecond))
                                         : QString::number(perSecond, 'f', 1));
    return line;
}

QString flushHandedOver()
{
    return QStringLiteral("Handed over to the running Outpost: waiting for it to finish\u2026");
}

QString purgeReport(const CleanupReport &r, const PurgeFilter &filter, bool dryRun)
{
    const QString what = filter.sent && filter.failed ? QStringLiteral("sent or failed")
                         : filter.sent                ? QStringLiteral("sent")
                                                      : QStringLiteral("failed");
    const QString before = filter.before.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    if (r.removed.isEmpty())
        return QStringLiteral("nothing to remove: no message %1 before %2\n").arg(what, before);
    int sent = 0, failed = 0;
    qint64 content = 0;
    for (const PurgedMessage &m : r.removed) {
        ++(m.state == MessageState::Sent ? sent : failed);
        if (m.contentKept)
            content += m.size;
    }
    const QString counts = QStringLiteral("%1 sent, %2 failed").arg(sent).arg(failed);
    if (dryRun)
        return QStringLiteral("would remove %1 message(s) %2 before %3 (%4), with %5 of message "
                              "content; nothing was changed (--dry-run)\n")
            .arg(r.removed.size())
            .arg(what, before, counts, words::size(content));
    QString s = QStringLiteral("removed %1 message(s) %2 before %3 (%4): their content, record, "
                               "recipients and history")
                    .arg(r.removed.size())
                    .arg(what, before, counts);
    s += QStringLiteral("; the outbox file went from %1 to %2")
             .arg(words::size(r.fileBytesBefore), words::size(r.fileBytesAfter));
    return s + QStringLiteral("\n");
}

QString autoImapLine(const Account &a, bool found)
{
    if (a.imapHost.isEmpty())
        return QStringLiteral("  imap:     none found, so no copies in the Sent folder (give the "
                              "IMAP server with --imap-host H)\n");
    QString server = QStringLiteral("%1 port %2, %3")
                         .arg(a.imapHost)
                         .arg(a.effectiveImapPort())
                         .arg(securityName(a.imapSecurity));
    if (!a.imapUser.isEmpty())
        server += QStringLiteral(", login %1").arg(a.imapUser);
    if (!found)
        server += QStringLiteral(" (from --imap-host)");
    QString effect;
    if (sentCopyEffective(a))
        effect = QStringLiteral("a copy of each sent message goes to its Sent folder");
    else if (a.sentCopy == SentCopy::Off)
        effect = QStringLiteral("no copies in the Sent folder (--sent-copy off)");
    else
        effect = QStringLiteral("the provider keeps sent mail itself, so Outpost makes no copy; "
                                "used to look for a message whose delivery is uncertain");
    return QStringLiteral("  imap:     %1\n            %2\n").arg(oneLine(server), effect);
}

} // namespace outpost::cli
