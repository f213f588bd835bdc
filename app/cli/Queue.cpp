#include "Commands.h"

#include "DsnOptions.h"
#include "HtmlText.h"
#include "SharedWords.h"

#include "accounts/AccountStore.h"
#include "mime/Address.h"
#include "mime/ComposeWarnings.h"
#include "mime/MessageComposer.h"
#include "mime/ReplyContext.h"
#include "storage/OutboxReader.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>

namespace outpost::cli {

namespace {
const QList<QCommandLineOption> &options()
{
    static const QList<QCommandLineOption> list = {
        {QStringLiteral("account"), QStringLiteral("account"), QStringLiteral("NAME")},
        {QStringLiteral("from"), QStringLiteral("From"), QStringLiteral("ADDR")},
        {QStringLiteral("to"), QStringLiteral("To"), QStringLiteral("ADDR")},
        {QStringLiteral("cc"), QStringLiteral("Cc"), QStringLiteral("ADDR")},
        {QStringLiteral("bcc"), QStringLiteral("Bcc"), QStringLiteral("ADDR")},
        {QStringLiteral("reply-to"), QStringLiteral("Reply-To"), QStringLiteral("ADDR")},
        {QStringLiteral("subject"), QStringLiteral("Subject"), QStringLiteral("TEXT")},
        {QStringLiteral("body"), QStringLiteral("body text"), QStringLiteral("TEXT")},
        {QStringLiteral("body-file"), QStringLiteral("body file"), QStringLiteral("F")},
        {QStringLiteral("html-file"), QStringLiteral("HTML alternative"), QStringLiteral("F")},
        {QStringLiteral("attach"), QStringLiteral("attachment"), QStringLiteral("F")},
        {QStringLiteral("send-at"), QStringLiteral("send time"), QStringLiteral("ISO-8601")},
        {QStringLiteral("yes"), QStringLiteral("accept a --send-at more than a year ahead")},
        {QStringLiteral("strict"),
         QStringLiteral("refuse a message the server's last announced SIZE would refuse")},
        {QStringLiteral("eml"), QStringLiteral("existing message"), QStringLiteral("FILE")},
        {QStringLiteral("notify"),
         QStringLiteral("delivery status notifications: success,failure,delay or never"),
         QStringLiteral("LIST")},
        {QStringLiteral("ret"), QStringLiteral("what a failure notice returns: full or hdrs"),
         QStringLiteral("RET")},
        {QStringLiteral("envid"), QStringLiteral("envelope id for notifications"),
         QStringLiteral("ID")},
        {QStringLiteral("reply-to-eml"), QStringLiteral("message replied to"),
         QStringLiteral("FILE")},
    };
    return list;
}

/// The options that write or change a message: refused with --eml, which queues it as it is.
const char *const kWritingOptions[] = {"from",    "to",   "cc",        "bcc",       "reply-to",
                                       "subject", "body", "body-file", "html-file", "attach"};

/// What a refused enqueue means to `queue`: the outbox could not be written now (75), the
/// account went away meanwhile (78), else the message or the input is at fault (65).
Result refusal(Service::EnqueueResult::Failure f)
{
    using Failure = Service::EnqueueResult::Failure;
    switch (f) {
    case Failure::None:
        return Result::Ok;
    case Failure::Storage:
        return Result::TryLater;
    case Failure::NoAccount:
        return Result::NoSuchAccount;
    case Failure::NotAMessage:
        return Result::NotAMessage;
    case Failure::Refused:
        return Result::BadInput;
    }
    return Result::BadInput;
}

/// The option's value when it was given.
std::optional<QString> given(const QCommandLineParser &p, const char *name)
{
    const QString n = QLatin1String(name);
    return p.isSet(n) ? std::optional<QString>(p.value(n)) : std::nullopt;
}
} // namespace

void Queue::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("queue"), args, options()))
        return;
    if (strayArgument(QStringLiteral("queue"), p.positionalArguments(),
                      QStringLiteral("every value follows its option: --to ADDR, --subject "
                                     "TEXT, …")))
        return;
    const bool eml = p.isSet(QStringLiteral("eml"));
    if (eml && p.isSet(QStringLiteral("reply-to-eml")))
        return fail(Result::Usage, QStringLiteral("--eml queues a message as it is; --reply-to-eml "
                                                  "writes a new one: give one of them"));
    if (eml) {
        // design.md §6: --eml queues an existing message as it is (its own header fields, its
        // recipients from To/Cc/Bcc); options that would write or change the message are
        // refused rather than silently ignored.
        QStringList refused;
        for (const char *o : kWritingOptions) {
            if (p.isSet(QLatin1String(o)))
                refused << QStringLiteral("--") + QLatin1String(o);
        }
        if (!refused.isEmpty())
            return fail(Result::Usage,
                        QStringLiteral("--eml queues the message file as it is, so %1 cannot be "
                                       "combined with it: change the file, or write a new message "
                                       "with --to, --subject and --body instead of --eml")
                            .arg(refused.join(QLatin1String(", "))));
    }
    DsnRequest dsn;
    QString problem;
    if (!dsnRequestFrom(
            {given(p, "notify"),
             given(p, "ret"),
             given(p, "envid"),
             {QStringLiteral("--notify"), QStringLiteral("--ret"), QStringLiteral("--envid")}},
            &dsn, &problem))
        return fail(Result::Usage, problem);
    if (const Result r = openStore(false, false); r != Result::Ok)
        return finish(r);
    QString accountName = p.value(QStringLiteral("account"));
    if (accountName.isEmpty())
        accountName = service()->accounts()->defaultAccount();
    const auto account = accountOrFail(accountName);
    if (!account)
        return;
    QDateTime sendAt;
    if (p.isSet(QStringLiteral("send-at"))) {
        sendAt = QDateTime::fromString(p.value(QStringLiteral("send-at")), Qt::ISODate);
        if (!sendAt.isValid())
            return fail(Result::Usage, QStringLiteral("--send-at needs an ISO-8601 time such as "
                                                      "2026-12-01T09:00:00+01:00"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        if (sendAt <= now) {
            // A time already gone means "as soon as possible", and the user is told so.
            err(QStringLiteral("--send-at %1 is in the past: the message goes at the next chance")
                    .arg(p.value(QStringLiteral("send-at"))));
            sendAt = QDateTime();
        } else if (sendAt > now.addYears(1) && !p.isSet(QStringLiteral("yes"))) {
            // 9999-12-31 is most likely a slip, and the message would wait unseen for ever.
            return fail(Result::Usage,
                        QStringLiteral("--send-at %1 is more than a year ahead; add --yes if "
                                       "you mean it")
                            .arg(p.value(QStringLiteral("send-at"))));
        }
    }
    // The SIZE the account's server announced at its last EHLO (RFC 1870): a larger message
    // would be refused at send, so `queue` says so now, as the compose window does; --strict
    // refuses it instead of storing it.
    const QStringList caps = service()->accounts()->lastCapabilities(account->name);
    const qint64 sizeLimit = mime::composeWarnings(caps, 0, {}, {}).sizeLimit;
    const bool strict = p.isSet(QStringLiteral("strict"));
    const auto tooLarge = [&](qint64 size) {
        return QStringLiteral("the message is %1, larger than the %2 the server of account \"%3\" "
                              "accepts (SIZE %4 at its last connection): it will be refused when "
                              "sent")
            .arg(words::size(size), words::size(sizeLimit), account->name)
            .arg(sizeLimit);
    };
    Service::EnqueueResult r;
    if (eml) {
        QString error;
        const QByteArray raw = readInput(p.value(QStringLiteral("eml")), &error);
        if (!error.isEmpty())
            return fail(Result::BadInput, error);
        if (strict && mime::composeWarnings(caps, raw.size(), {}, {}).tooLarge)
            return fail(Result::TooLarge, tooLarge(raw.size()) + QStringLiteral("; not queued"));
        r = service()->enqueueRaw(account->name, raw, {}, {}, sendAt, dsn);
    } else {
        mime::Draft draft;
        if (const Result made = writeDraft(p, *account, &draft); made != Result::Ok)
            return finish(made);
        if (strict && sizeLimit > 0) {
            // The exact size: the message composed as it will be queued (only when there is a
            // limit to compare with).
            const mime::ComposedMessage m = mime::composeMessage(draft);
            if (m.ok() && mime::composeWarnings(caps, m.data.size(), {}, {}).tooLarge)
                return fail(Result::TooLarge,
                            tooLarge(m.data.size()) + QStringLiteral("; not queued"));
        }
        r = service()->enqueue(account->name, draft, sendAt, MessageState::Queued, dsn);
    }
    if (!r.ok())
        return r.storage.isDiskFull() ? finish(diskFull(r.storage))
                                      : fail(refusal(r.failure), r.error);
    if (sizeLimit > 0) {
        const auto stored = service()->outbox()->summary(r.id);
        if (stored && mime::composeWarnings(caps, stored->size, {}, {}).tooLarge)
            err(QStringLiteral("warning: ") + tooLarge(stored->size) +
                QStringLiteral(" (queued as message %1; --strict refuses such a message)")
                    .arg(r.id));
    }
    out(QString::number(r.id) + QLatin1Char('\n'));
    finishAndNotify();
}

Result Queue::writeDraft(const QCommandLineParser &p, const Account &account, mime::Draft *draft)
{
    const QString from =
        p.isSet(QStringLiteral("from")) ? p.value(QStringLiteral("from")) : account.from;
    const auto fromList = mime::parseAddressList(from);
    if (from.isEmpty()) {
        err(QStringLiteral("no From address: give --from or set one on the account"));
        return Result::Usage;
    }
    if (!fromList.ok() || fromList.mailboxes.size() != 1) {
        err(QStringLiteral("--from: %1")
                .arg(fromList.ok() ? QStringLiteral("give exactly one address") : fromList.error));
        return Result::BadInput;
    }
    draft->from = fromList.mailboxes.first();
    const auto addresses = [&](const QString &option, QList<mime::Mailbox> *into) {
        for (const QString &v : p.values(option)) {
            const auto list = mime::parseAddressList(v);
            if (!list.ok()) {
                err(QStringLiteral("--%1: %2").arg(option, list.error));
                return false;
            }
            *into += list.mailboxes;
        }
        return true;
    };
    if (!addresses(QStringLiteral("to"), &draft->to) ||
        !addresses(QStringLiteral("cc"), &draft->cc) ||
        !addresses(QStringLiteral("bcc"), &draft->bcc) ||
        !addresses(QStringLiteral("reply-to"), &draft->replyTo))
        return Result::BadInput;
    QString error;
    QString replySubject;
    if (p.isSet(QStringLiteral("reply-to-eml"))) {
        // A reply (RFC 5322 §3.6.4): To from the message's Reply-To or From unless --to is
        // given, "Re: " Subject unless --subject is, and the thread fields.
        const QByteArray parent = readInput(p.value(QStringLiteral("reply-to-eml")), &error);
        if (!error.isEmpty()) {
            err(error);
            return Result::BadInput;
        }
        const mime::ReplyContext reply = mime::replyContext(parent);
        if (!reply.ok()) {
            err(QStringLiteral("--reply-to-eml: %1").arg(reply.error));
            return Result::BadInput;
        }
        if (!p.isSet(QStringLiteral("to")))
            draft->to = reply.to;
        replySubject = reply.subject;
        draft->inReplyTo = reply.inReplyTo;
        draft->references = reply.references;
    }
    if (draft->to.isEmpty() && draft->cc.isEmpty() && draft->bcc.isEmpty()) {
        err(QStringLiteral("no recipients: give --to, --cc or --bcc"));
        return Result::Usage;
    }
    draft->subject = p.isSet(QStringLiteral("subject")) || replySubject.isEmpty()
                         ? p.value(QStringLiteral("subject"))
                         : replySubject;
    if (p.isSet(QStringLiteral("body-file")) && p.isSet(QStringLiteral("body"))) {
        err(QStringLiteral("give --body or --body-file, not both"));
        return Result::Usage;
    }
    if (p.isSet(QStringLiteral("body-file"))) {
        const QByteArray b = readInput(p.value(QStringLiteral("body-file")), &error);
        if (!error.isEmpty()) {
            err(error);
            return Result::BadInput;
        }
        draft->textBody = QString::fromUtf8(b);
    } else {
        draft->textBody = p.value(QStringLiteral("body"));
    }
    if (p.isSet(QStringLiteral("html-file"))) {
        const QByteArray b = readInput(p.value(QStringLiteral("html-file")), &error);
        if (!error.isEmpty()) {
            err(error);
            return Result::BadInput;
        }
        draft->htmlBody = QString::fromUtf8(b);
        // HTML alone: the plain-text alternative is made from it (a reader without HTML
        // would otherwise see an empty message); without QtGui the message is HTML alone.
        if (!p.isSet(QStringLiteral("body")) && !p.isSet(QStringLiteral("body-file")))
            draft->textBody = plainTextFromHtml(draft->htmlBody);
    }
    for (const QString &f : p.values(QStringLiteral("attach"))) {
        QFile file(f);
        if (!file.open(QIODevice::ReadOnly)) {
            err(QStringLiteral("cannot attach %1: %2").arg(f, file.errorString()));
            return Result::BadInput;
        }
        mime::Attachment att;
        att.fileName = QFileInfo(f).fileName();
        att.content = file.readAll();
        draft->attachments << att;
    }
    return Result::Ok;
}

} // namespace outpost::cli
