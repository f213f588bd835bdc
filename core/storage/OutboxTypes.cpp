#include "OutboxTypes.h"

namespace outpost {

namespace {
struct StateName
{
    MessageState s;
    const char *n;
};
// Stored in the messages and recipients tables: never rename one.
constexpr StateName kStates[] = {
    {MessageState::Draft, "draft"},     {MessageState::Queued, "queued"},
    {MessageState::Sending, "sending"}, {MessageState::Sent, "sent"},
    {MessageState::Failed, "failed"},   {MessageState::Held, "held"},
};
} // namespace

QString copyStateName(CopyState s)
{
    switch (s) {
    case CopyState::None:
        return QStringLiteral("none");
    case CopyState::Pending:
        return QStringLiteral("pending");
    case CopyState::Failed:
        return QStringLiteral("failed");
    case CopyState::Copied:
        return QStringLiteral("copied");
    }
    return QStringLiteral("none");
}

CopyState copyStateFromName(const QString &name)
{
    for (CopyState s : {CopyState::Pending, CopyState::Failed, CopyState::Copied}) {
        if (name == copyStateName(s))
            return s;
    }
    return CopyState::None;
}

QString messageStateName(MessageState s)
{
    for (const auto &e : kStates) {
        if (e.s == s)
            return QString::fromLatin1(e.n);
    }
    return {};
}

bool messageStateFromName(const QString &name, MessageState *out)
{
    for (const auto &e : kStates) {
        if (name == QLatin1String(e.n)) {
            *out = e.s;
            return true;
        }
    }
    return false;
}

QString deliveryName(Delivery d)
{
    switch (d) {
    case Delivery::None:
        return {};
    case Delivery::Complete:
        return QStringLiteral("complete");
    case Delivery::Partial:
        return QStringLiteral("partial");
    }
    return {};
}

} // namespace outpost
