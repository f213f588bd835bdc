#include "HistoryEvent.h"

namespace outpost {

namespace {
struct EventName
{
    HistoryEvent e;
    const char *name;
};
// The names are stored: never rename one (a migration would have to map the old rows).
constexpr EventName kNames[] = {
    {HistoryEvent::Unknown, "unknown"},
    {HistoryEvent::Queued, "queued"},
    {HistoryEvent::DraftSaved, "draft-saved"},
    {HistoryEvent::Sent, "sent"},
    {HistoryEvent::SentSomeRefused, "sent-some-refused"},
    {HistoryEvent::PartlyDeferred, "partly-deferred"},
    {HistoryEvent::Deferred, "deferred"},
    {HistoryEvent::DeferredUnreachable, "deferred-unreachable"},
    {HistoryEvent::UncertainRequeued, "uncertain-requeued"},
    {HistoryEvent::Expired, "expired"},
    {HistoryEvent::Failed, "failed"},
    {HistoryEvent::FailedAccountRemoved, "failed-account-removed"},
    {HistoryEvent::HeldAccountPaused, "held-account-paused"},
    {HistoryEvent::HeldByUser, "held"},
    {HistoryEvent::Released, "released"},
    {HistoryEvent::ReleasedAccountResumed, "released-account-resumed"},
    {HistoryEvent::RetryRequested, "retry-requested"},
    {HistoryEvent::Recovered, "recovered"},
    {HistoryEvent::RecoveredUncertain, "recovered-uncertain"},
    {HistoryEvent::RecoveredSent, "recovered-sent"},
    {HistoryEvent::Interrupted, "interrupted"},
    {HistoryEvent::Cancelled, "cancelled"},
    {HistoryEvent::BackToDraft, "back-to-draft"},
    {HistoryEvent::EditedDraft, "edited-draft"},
    {HistoryEvent::EditedQueued, "edited-queued"},
    {HistoryEvent::TokenRefused, "token-refused"},
    {HistoryEvent::ContentDropped, "content-dropped"},
    {HistoryEvent::Copied, "copied"},
    {HistoryEvent::CopyFailed, "copy-failed"},
    {HistoryEvent::ResolvedBySentFolder, "resolved-by-sent-folder"},
    {HistoryEvent::NotInSentFolder, "not-in-sent-folder"},
    {HistoryEvent::SentFolderUnchecked, "sent-folder-unchecked"},
    {HistoryEvent::CopyGivenUp, "copy-given-up"},
};
} // namespace

QString historyEventName(HistoryEvent e)
{
    for (const EventName &n : kNames) {
        if (n.e == e)
            return QString::fromLatin1(n.name);
    }
    return QStringLiteral("unknown");
}

HistoryEvent historyEventFromName(const QString &name)
{
    for (const EventName &n : kNames) {
        if (name == QLatin1String(n.name))
            return n.e;
    }
    return HistoryEvent::Unknown;
}

} // namespace outpost
