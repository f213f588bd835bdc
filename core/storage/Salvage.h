#pragma once

#include <QHash>
#include <QString>

namespace outpost {

/// What a salvage of a damaged outbox found and did.
struct SalvageReport
{
    /// Why a salvage could not be done (stable names: salvageFailureName()).
    enum class Failure
    {
        None,
        Unreadable,    ///< not even the damaged file's schema could be read
        RecoverFailed, ///< the new outbox could not be written
        Unusable,      ///< what was recovered does not open as an outbox
        CannotSwap,    ///< the new outbox could not be put in place of the damaged one
    };
    Failure failure = Failure::None;
    QString detail; ///< technical words for a failure (SQLite's)

    QHash<QString, int> messagesByState; ///< recovered messages per stored state name
    int recoveredMessages = 0;           ///< all recovered messages that can still be shown
    /// Messages known to have existed (their recipients, history or bytes survived) whose
    /// record is gone, plus records whose bytes are gone (kept as failed, to be written again).
    int lostMessages = 0;
    int accounts = 0;      ///< accounts recovered
    int settings = 0;      ///< settings recovered
    QString damagedKeptAs; ///< where the damaged file now is
    bool ok() const { return failure == Failure::None; }
};

/// The stable lower-case name of a failure ("unreadable", …; "" for None).
QString salvageFailureName(SalvageReport::Failure f);

/// Salvages the outbox database `path`: every row SQLite can still read is copied into a new
/// outbox with the current schema, table by table and row by row through the tables' rowid
/// b-trees (a damaged index is simply rebuilt; a damaged leaf page loses only its own rows;
/// a truncated file loses the pages past its end). Rows left without their message are
/// dropped and their message counted as lost; a message whose bytes were lost is kept as
/// failed (its record and recipients tell the user what to write again) and counted as lost.
/// The new file is checked by opening it as an outbox, then it takes the place of the damaged
/// one, which is kept beside it as `<path>.damaged-<time>` (with its -wal and -shm).
///
/// Debian 12's sqlite3 program cannot do this (its `.recover` needs the sqlite_dbpage table,
/// which that build leaves out), hence rows through Qt's SQLite. Blocking, with disk work
/// proportional to the outbox: call it off the GUI thread. The caller holds the outbox's lock.
SalvageReport salvageOutbox(const QString &path);

} // namespace outpost
