#include "Commands.h"

#include "DsnOptions.h"

#include "accounts/AccountStore.h"
#include "mime/Address.h"
#include "mime/MessageComposer.h"

#include <QRegularExpression>

namespace outpost::cli {

namespace {
/// sendmail(8)'s command line as far as Outpost reads it.
struct SendmailArgs
{
    bool fromHeaders = false; ///< -t: the recipients come from the message's header
    QString envelopeFrom;     ///< -f
    QString fullName;         ///< -F
    QList<QByteArray> rcpts;  ///< the recipients given as arguments
    DsnOptions dsn;           ///< -N, -R, -V
    QString problem;          ///< why the command line is refused ("" when it is not)
};

/// Reads sendmail(8)'s options: -t, -i/-oi, -f, -F, -N/-R/-V (each value attached or as the
/// next argument), and recipients. Unknown -o options (used by mutt and git) are accepted and
/// ignored, as sendmail does.
SendmailArgs parseSendmail(const QStringList &args)
{
    SendmailArgs s;
    s.dsn.names = {QStringLiteral("sendmail: -N"), QStringLiteral("sendmail: -R"),
                   QStringLiteral("sendmail: -V")};
    const auto dsnSlot = [&s](QChar letter) -> std::optional<QString> & {
        return letter == QLatin1Char('N') ? s.dsn.notify
                                          : (letter == QLatin1Char('R') ? s.dsn.ret : s.dsn.envid);
    };
    const auto needsValue = [&s](const QString &a) {
        s.problem = QStringLiteral("sendmail: %1 needs a value").arg(a);
        return s;
    };
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString a = args.at(i);
        const bool dsnFlag = a.size() >= 2 && a.at(0) == QLatin1Char('-') &&
                             (a.at(1) == QLatin1Char('N') || a.at(1) == QLatin1Char('R') ||
                              a.at(1) == QLatin1Char('V'));
        if (dsnFlag && a.size() == 2) {
            if (i + 1 >= args.size())
                return needsValue(a);
            dsnSlot(a.at(1)) = args.at(++i);
        } else if (dsnFlag) {
            dsnSlot(a.at(1)) = a.mid(2);
        } else if (a == QLatin1String("-t")) {
            s.fromHeaders = true;
        } else if (a == QLatin1String("-i") || a == QLatin1String("-oi") ||
                   a.startsWith(QLatin1String("-o")) || a == QLatin1String("-v") ||
                   a == QLatin1String("--")) {
            continue;
        } else if (a == QLatin1String("-f") || a == QLatin1String("-F")) {
            if (i + 1 >= args.size())
                return needsValue(a);
            (a == QLatin1String("-f") ? s.envelopeFrom : s.fullName) = args.at(++i);
        } else if (a.startsWith(QLatin1String("-f")) && a.size() > 2) {
            s.envelopeFrom = a.mid(2);
        } else if (a.startsWith(QLatin1String("-F")) && a.size() > 2) {
            s.fullName = a.mid(2);
        } else if (a.startsWith(QLatin1Char('-'))) {
            s.problem = QStringLiteral("sendmail: unknown option %1").arg(a);
            return s;
        } else {
            for (const QString &part : a.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                const QString addr = part.trimmed();
                if (const QString why = mime::addressProblem(addr); !why.isEmpty()) {
                    s.problem = QStringLiteral("sendmail: %1: %2").arg(addr, why);
                    return s;
                }
                s.rcpts << mime::envelopeAddress(addr, true);
            }
        }
    }
    if (!s.envelopeFrom.isEmpty()) {
        if (const QString why = mime::addressProblem(s.envelopeFrom); !why.isEmpty()) {
            s.problem = QStringLiteral("sendmail: -f %1: %2").arg(s.envelopeFrom, why);
            return s;
        }
    }
    if (!s.fromHeaders && s.rcpts.isEmpty())
        s.problem = QStringLiteral("sendmail: no recipients (give them as arguments or use -t)");
    return s;
}

/// True when the header section of `raw` (up to the first empty line, RFC 5322 §2.1) has a
/// From field; a "From:" line in the body is not one.
bool hasFromField(const QByteArray &raw)
{
    static const QRegularExpression headerEnd(QStringLiteral("\r?\n\r?\n"));
    static const QRegularExpression fromField(QStringLiteral("(^|\n)from[ \t]*:"),
                                              QRegularExpression::CaseInsensitiveOption);
    const qsizetype bodyAt = QString::fromLatin1(raw).indexOf(headerEnd);
    return fromField.match(QString::fromLatin1(bodyAt < 0 ? raw : raw.left(bodyAt))).hasMatch();
}
} // namespace

void Sendmail::run(const QStringList &args)
{
    const SendmailArgs s = parseSendmail(args);
    if (!s.problem.isEmpty())
        return fail(Result::Usage, s.problem);
    DsnRequest dsn;
    QString problem;
    if (!dsnRequestFrom(s.dsn, &dsn, &problem))
        return fail(Result::Usage, problem);
    // Mail programs retry on 75; a damaged outbox (78) needs the user, not a retry.
    if (const Result r = openStore(false, false); r != Result::Ok)
        return finish(r == Result::Damaged ? r : Result::TryLater);
    // No account is a configuration problem (78): a mail program would retry a 75 forever.
    const QString accountName = service()->accounts()->defaultAccount();
    if (accountName.isEmpty())
        return fail(Result::NoSuchAccount,
                    QStringLiteral("sendmail: no account: add one with `outpost account add`"));
    QString error;
    QByteArray raw = readInput(QStringLiteral("-"), &error);
    if (!error.isEmpty())
        return fail(Result::TryLater, error);
    std::optional<QByteArray> mailFrom;
    if (!s.envelopeFrom.isEmpty())
        mailFrom = mime::envelopeAddress(s.envelopeFrom, true);
    if (!hasFromField(raw)) {
        // No From header: add one from -F / -f or the account, as sendmail does, with the full
        // name encoded by GMime (RFC 2047 phrase) when it needs to be.
        const auto account = service()->accounts()->find(accountName);
        const QString addr = s.envelopeFrom.isEmpty() ? account->from : s.envelopeFrom;
        raw.prepend(mime::mailboxField("From", s.fullName, addr));
    }
    const Service::EnqueueResult r = service()->enqueueRaw(
        accountName, raw, mailFrom, s.fromHeaders ? QList<QByteArray>() : s.rcpts, {}, dsn);
    // Only a message that is none at all is refused for good (65); anything else (no
    // recipients, a write that failed) may work later (75), as sendmail(8) says.
    // A full disk: the sentence every command says, and 75, as above.
    if (!r.ok() && r.storage.isDiskFull()) {
        diskFull(r.storage);
        return finish(Result::TryLater);
    }
    if (!r.ok())
        return fail(r.failure == Service::EnqueueResult::Failure::NotAMessage ? Result::NotAMessage
                                                                              : Result::TryLater,
                    QStringLiteral("sendmail: %1").arg(r.error));
    finishAndNotify();
}

} // namespace outpost::cli
