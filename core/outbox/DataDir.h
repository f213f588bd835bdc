#pragma once

#include <QString>
#include <QStringList>

namespace outpost {

/// Why a data folder may not hold this user's outbox (prepareDataDir()). Stable names:
/// dataDirProblemName().
enum class DataDirProblem
{
    None,
    CannotCreate,     ///< the folder does not exist and cannot be made
    NotADirectory,    ///< the path names something else
    NotOwned,         ///< the folder, or a file of the outbox in it, belongs to another user
    WritableByOthers, ///< another user may write the folder or an outbox file (and so replace it)
    Symlink,          ///< the database, its journal files or the lock is a symbolic link
};
/// Stable lower-case name ("not-owned", "writable-by-others", ...), "" for None.
QString dataDirProblemName(DataDirProblem p);

/// The result of prepareDataDir(): the problem (None when the folder may be used), the path it
/// concerns, and the modes that were tightened (for a note to the user).
struct DataDirCheck
{
    DataDirProblem problem = DataDirProblem::None;
    QString path;         ///< the folder or file the problem is about
    unsigned ownerId = 0; ///< NotOwned: the owner's user id
    /// Paths whose mode was narrowed to this user alone, as "path (was 0755)".
    QStringList tightened;
    bool ok() const { return problem == DataDirProblem::None; }
};

/// Makes the outbox folder `dir` this user's alone, as ssh treats ~/.ssh. Creates it (0700)
/// when missing and `create` is set. Refuses a folder or outbox file owned by another user or
/// writable by another user, and a symbolic link in place of the database, its -wal/-shm
/// files or the lock file: whoever can replace those can make Outpost send what they like (the
/// stored password command runs through the shell). Takes the permissions of group and others
/// from a folder (0755 -> 0700) and the outbox files (0644 -> 0600) that others may read, and
/// lists what it narrowed. On Windows and
/// macOS the per-user locations are private already: only existence is checked there.
DataDirCheck prepareDataDir(const QString &dir, bool create);

/// Where this user's single-instance socket for `dataDir` lives (QLocalServer name): a path
/// in a folder only this user may create files in — $XDG_RUNTIME_DIR when it is this user's
/// 0700 folder, else the data folder itself, else /tmp/outpost-UID made 0700 — so no other
/// local user can take the name first. Empty (with *why) when no such folder exists. On
/// Windows the name of a pipe (per-session namespace).
QString instanceSocketPath(const QString &dataDir, QString *why = nullptr);

/// True when the process at the other end of the connected local socket `fd` runs as this
/// user (SO_PEERCRED / getpeereid); true where the platform cannot tell.
bool localPeerIsThisUser(qintptr fd);

} // namespace outpost
