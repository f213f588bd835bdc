#pragma once

#include <QString>

namespace outpost {

/// What one row of a message's history records. Stored, and shown by `outpost show --json`,
/// by its stable lower-case name (historyEventName()); the words people read come from the
/// front ends (ui/Words, app/cli/Words). A variable part (the time a dropped schedule was
/// for) is kept in the row's detail, never in the name.
enum class HistoryEvent
{
    Unknown,                ///< "unknown": a name this build does not know (the detail says more)
    Queued,                 ///< "queued": stored and waiting to be sent
    DraftSaved,             ///< "draft-saved": stored as a draft
    Sent,                   ///< "sent": every recipient accepted
    SentSomeRefused,        ///< "sent-some-refused": accepted, some recipients refused (5xx)
    PartlyDeferred,         ///< "partly-deferred": accepted for some, the 4xx ones queued again
    Deferred,               ///< "deferred": a temporary failure, queued with backoff
    DeferredUnreachable,    ///< "deferred-unreachable": nothing was attempted (server unreachable)
    UncertainRequeued,      ///< "uncertain-requeued": lost after the end of data, queued again
    Expired,                ///< "expired": failed after retry.lifetime_ms
    Failed,                 ///< "failed": a permanent or local failure
    FailedAccountRemoved,   ///< "failed-account-removed": its account was removed
    HeldAccountPaused,      ///< "held-account-paused": held because its account needs attention
    HeldByUser,             ///< "held": held by the user
    Released,               ///< "released": released by the user
    ReleasedAccountResumed, ///< "released-account-resumed": its account was resumed
    RetryRequested,         ///< "retry-requested": the user asked for a retry now; the detail
                            ///< holds the dropped schedule's time (ISO 8601) when there was one
    Recovered,              ///< "recovered": left in `sending` by a crash before the end of its
                            ///< data was cleared to go, queued again (the server cannot have
                            ///< taken it)
    RecoveredUncertain,     ///< "recovered-uncertain": left in `sending` by a crash after the end
                            ///< of its data was cleared to go and before the server's reply was
                            ///< recorded: it may have been sent already; queued again
    RecoveredSent,          ///< "recovered-sent": left in `sending` by a crash after the server
                            ///< accepted it for every recipient and before that was recorded:
                            ///< recorded as sent, not sent again
    Interrupted,            ///< "interrupted": claimed but not sent because Outpost quit
    Cancelled,              ///< "cancelled": withdrawn by the user after some recipients got it
    BackToDraft,            ///< "back-to-draft": taken back for editing
    EditedDraft,            ///< "edited-draft": replaced by an edited version, kept as a draft
    EditedQueued,           ///< "edited-queued": replaced by an edited version and queued
    /// "token-refused": the server refused the account's OAuth access token (expired or revoked
    /// before its time); queued again at once, uncounted, to go with a new token
    TokenRefused,
    ContentDropped, ///< "content-dropped": its bytes were dropped after
                    ///< `retention.sent_days`; the detail holds that number of days
    Copied,         ///< "copied": the copy was appended to the Sent folder (or found
                    ///< there already, the detail says so)
    CopyFailed,     ///< "copy-failed": an APPEND to the Sent folder failed; retried
    CopyGivenUp,    ///< "copy-given-up": no more tries after retry.lifetime_ms
    /// "resolved-by-sent-folder": a message that may have been sent already was found in its
    /// account's Sent folder by its Message-ID: it is sent, not sent again (the detail names
    /// the folder and the UID)
    ResolvedBySentFolder,
    /// "not-in-sent-folder": a message that may have been sent already was looked for in the
    /// Sent folder and is not there: sent again
    NotInSentFolder,
    /// "sent-folder-unchecked": the Sent folder could not be searched for a message that may
    /// have been sent already (the detail says why): sent again
    SentFolderUnchecked,
};

/// The stable stored name of `e` ("held-account-paused").
QString historyEventName(HistoryEvent e);
/// Inverse of historyEventName(); HistoryEvent::Unknown for a name this build does not know.
HistoryEvent historyEventFromName(const QString &name);

} // namespace outpost
