#pragma once
// How an account's submission server was at the last attempt to reach it: the machine's
// network can be up (Connectivity) while one server is down or unreachable from here.

#include "smtp/SmtpResult.h"

#include <QDateTime>
#include <QString>

namespace outpost {

/// An account's server as last seen by the dispatcher (kept in memory for this run).
struct ServerContact
{
    /// What the last attempt that talked to the network found.
    enum class Seen
    {
        Reached,     ///< the server answered (whatever it then said)
        Unreachable, ///< no connection, or no answer in time (ErrorClass Network or Timeout)
    };
    QString account;
    QString server; ///< "host:port"
    Seen seen = Seen::Reached;
    ErrorClass errorClass = ErrorClass::None; ///< of that attempt
    QDateTime at;                             ///< when (UTC)
};

/// The contact an attempt's result shows, or false when it says nothing of the server: the
/// attempt never reached the network (not attempted, refused locally, no password).
inline bool serverContactOf(ErrorClass c, bool notAttempted, ServerContact::Seen *seen)
{
    if (notAttempted || c == ErrorClass::Local || c == ErrorClass::Credentials)
        return false;
    *seen = c == ErrorClass::Network || c == ErrorClass::Timeout ? ServerContact::Seen::Unreachable
                                                                 : ServerContact::Seen::Reached;
    return true;
}

} // namespace outpost
