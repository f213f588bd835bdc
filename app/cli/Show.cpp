#include "Commands.h"

#include "Words.h"

#include "outbox/MessageJson.h"
#include "storage/OutboxReader.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace outpost::cli {

namespace {
/// `show --json`: the list fields, the recipients and the history.
QJsonObject messageJson(const MessageRecord &m)
{
    QJsonObject o = json::summary(m);
    QJsonArray rcpts;
    for (const RecipientRecord &r : m.recipients)
        rcpts.append(QJsonObject{{QStringLiteral("address"), QString::fromUtf8(r.address)},
                                 {QStringLiteral("state"), messageStateName(r.state)},
                                 {QStringLiteral("reply"), json::replyOrNull(r.reply)}});
    o.insert(QStringLiteral("recipients"), rcpts);
    QJsonArray history;
    for (const HistoryEntry &h : m.history)
        history.append(
            QJsonObject{{QStringLiteral("at"), json::iso(h.at)},
                        {QStringLiteral("event"), historyEventName(h.event)},
                        {QStringLiteral("class"), h.errorClass == ErrorClass::None
                                                      ? QJsonValue(QJsonValue::Null)
                                                      : QJsonValue(errorClassName(h.errorClass))},
                        {QStringLiteral("reply"), json::replyOrNull(h.reply)},
                        {QStringLiteral("detail"), h.detail},
                        {QStringLiteral("server"), h.server},
                        {QStringLiteral("uncertain"), h.uncertain},
                        {QStringLiteral("notes"), QJsonArray::fromStringList(h.notes)}});
    o.insert(QStringLiteral("history"), history);
    return o;
}
} // namespace

void Show::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("show"), args,
               {{QStringLiteral("state"), QStringLiteral("only this state"), QStringLiteral("S")},
                {QStringLiteral("json"), QStringLiteral("JSON output")}}))
        return;
    const QStringList pos = p.positionalArguments();
    bool idOk = false;
    const qint64 id = pos.value(0).toLongLong(&idOk);
    if (!idOk || id <= 0 || pos.size() != 1)
        return fail(Result::Usage,
                    QStringLiteral("usage: outpost show ID [--json] (ID is a number from outpost "
                                   "list)"));
    if (const Result r = openStore(true); r != Result::Ok)
        return finish(r);
    ReadFailure failure;
    const auto m = service()->outbox()->message(id, &failure);
    if (!m && !failure.detail.isEmpty())
        return finish(readFailed(failure));
    if (!m)
        return fail(Result::NoSuchMessage,
                    QStringLiteral("no message with id %1").arg(pos.first()));
    if (p.isSet(QStringLiteral("json")))
        console().outBytes(
            terminalSafeJson(QJsonDocument(messageJson(*m)).toJson(QJsonDocument::Indented)));
    else
        out(describeMessage(*m));
    finish(Result::Ok);
}

} // namespace outpost::cli
