#include "InstanceMessage.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace outpost {

namespace {
struct VerbName
{
    InstanceVerb verb;
    const char *name;
};
// The names are the wire format between two Outpost processes, possibly of two versions:
// never rename one.
constexpr VerbName kVerbs[] = {
    {InstanceVerb::Changed, "changed"},   {InstanceVerb::Flush, "flush"},
    {InstanceVerb::Activate, "activate"}, {InstanceVerb::Status, "status"},
    {InstanceVerb::Yield, "yield"},
};

const QLatin1String kCmd("cmd");
const QLatin1String kMailto("mailto");
const QLatin1String kOk("ok");
const QLatin1String kError("error");
const QLatin1String kQueued("queued");
const QLatin1String kHeld("held");
const QLatin1String kFailed("failed");
const QLatin1String kSent("sent");
const QLatin1String kRole("role");
const QLatin1String kPid("pid");
const QLatin1String kWorkOffline("work_offline");
const QLatin1String kNetwork("network");
const QLatin1String kPool("pool");
const QLatin1String kAccount("account");
const QLatin1String kServer("server");
const QLatin1String kBusy("busy");
const QLatin1String kMessagesSent("messages_sent");

QByteArray line(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

/// The JSON object of a line; nullopt with *error when it is not one.
std::optional<QJsonObject> objectOf(const QByteArray &bytes, QString *error)
{
    if (bytes.size() > kInstanceLineMax) {
        *error = QStringLiteral("request too long");
        return std::nullopt;
    }
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes.trimmed(), &parse);
    if (parse.error != QJsonParseError::NoError) {
        *error = QStringLiteral("not JSON: %1").arg(parse.errorString());
        return std::nullopt;
    }
    if (!doc.isObject()) {
        *error = QStringLiteral("not a JSON object");
        return std::nullopt;
    }
    return doc.object();
}
} // namespace

QString instanceVerbName(InstanceVerb verb)
{
    for (const VerbName &v : kVerbs) {
        if (v.verb == verb)
            return QString::fromLatin1(v.name);
    }
    return {};
}

QByteArray encodeRequest(const InstanceRequest &request)
{
    QJsonObject o{{kCmd, instanceVerbName(request.verb)}};
    if (request.verb == InstanceVerb::Activate && !request.mailto.isEmpty())
        o.insert(kMailto, request.mailto);
    return line(o);
}

std::optional<InstanceRequest> decodeRequest(const QByteArray &bytes, QString *error)
{
    const std::optional<QJsonObject> o = objectOf(bytes, error);
    if (!o)
        return std::nullopt;
    const QJsonValue cmd = o->value(kCmd);
    if (!cmd.isString()) {
        *error = QStringLiteral("no \"cmd\"");
        return std::nullopt;
    }
    InstanceRequest r;
    bool known = false;
    for (const VerbName &v : kVerbs) {
        if (cmd.toString() == QLatin1String(v.name)) {
            r.verb = v.verb;
            known = true;
        }
    }
    if (!known) {
        *error = QStringLiteral("unknown request \"%1\"").arg(cmd.toString().left(64));
        return std::nullopt;
    }
    if (r.verb == InstanceVerb::Activate && o->contains(kMailto)) {
        const QJsonValue mailto = o->value(kMailto);
        if (!mailto.isString()) {
            *error = QStringLiteral("\"mailto\" is not a string");
            return std::nullopt;
        }
        r.mailto = mailto.toString();
    }
    return r;
}

QByteArray encodeReply(const InstanceReply &reply)
{
    if (!reply.ok)
        return line({{kOk, false}, {kError, reply.error}});
    QJsonObject o{{kOk, true},
                  {kQueued, reply.queued},
                  {kHeld, reply.held},
                  {kFailed, reply.failed},
                  {kSent, reply.sent}};
    if (const std::optional<SenderStatus> &s = reply.sender) {
        QJsonArray pool;
        for (const PooledSession &p : s->pool)
            pool.append(QJsonObject{{kAccount, p.account},
                                    {kServer, p.server},
                                    {kBusy, p.busy},
                                    {kMessagesSent, p.messagesSent}});
        o.insert(kRole, s->role);
        o.insert(kPid, s->pid);
        o.insert(kWorkOffline, s->workOffline);
        o.insert(kNetwork, s->network);
        o.insert(kPool, pool);
    }
    return line(o);
}

std::optional<InstanceReply> decodeReply(const QByteArray &bytes)
{
    QString error;
    const std::optional<QJsonObject> o = objectOf(bytes, &error);
    if (!o || !o->value(kOk).isBool())
        return std::nullopt;
    InstanceReply r;
    r.ok = o->value(kOk).toBool();
    r.error = o->value(kError).toString();
    r.queued = o->value(kQueued).toInt();
    r.held = o->value(kHeld).toInt();
    r.failed = o->value(kFailed).toInt();
    r.sent = o->value(kSent).toInt();
    if (o->value(kRole).isString()) {
        SenderStatus s;
        s.role = o->value(kRole).toString();
        s.pid = o->value(kPid).toInteger();
        s.workOffline = o->value(kWorkOffline).toBool();
        s.network = o->value(kNetwork).toString();
        for (const QJsonValue &v : o->value(kPool).toArray()) {
            const QJsonObject p = v.toObject();
            s.pool.append(PooledSession{p.value(kAccount).toString(), p.value(kServer).toString(),
                                        p.value(kBusy).toBool(), p.value(kMessagesSent).toInt()});
        }
        r.sender = s;
    }
    return r;
}

} // namespace outpost
