#pragma once
// The delivery status notification options (RFC 3461) as the user gives them: `queue
// --notify/--ret/--envid` and sendmail's own -N/-R/-V.

#include "smtp/Dsn.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace outpost::cli {

/// The DSN options of one command line: each nullopt when not given.
struct DsnOptions
{
    std::optional<QString> notify; ///< success,failure,delay or never
    std::optional<QString> ret;    ///< full or hdrs
    std::optional<QString> envid;  ///< the sender's id for the notifications
    /// The three options as the user writes them ("--notify", "--ret", "--envid", or
    /// "sendmail: -N", …), for the words of a refusal.
    QStringList names;
};

/// Builds the DSN request from `options` into *request. When a value is refused, returns
/// false and *problem says why in the user's own option names.
bool dsnRequestFrom(const DsnOptions &options, DsnRequest *request, QString *problem);

} // namespace outpost::cli
