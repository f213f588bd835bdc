#pragma once
// A full disk as a value, and the reserve that lets Outpost act on one. SQLite says "database
// or disk is full" (SQLITE_FULL) when a write finds no room; a file of our own (the lock file)
// fails with ENOSPC or EDQUOT. Both become a StorageError of kind DiskFull, decided from those
// codes (never from the words), with the free space of the data folder at that moment, so that
// words/ can say "The disk holding the outbox is full (12 KB free)".

#include <QSqlError>
#include <QString>

namespace outpost {

/// Why a write to the outbox (or to a file of its data folder) failed, as a value to act on.
/// The words for the user are made in words/ (words::storageError()).
struct StorageError
{
    /// What kind of failure; storageErrorKindName() gives each a stable name.
    enum class Kind
    {
        None,     ///< no failure
        DiskFull, ///< SQLITE_FULL, or ENOSPC / EDQUOT (a quota counts as full for this user)
        Damaged,  ///< SQLITE_CORRUPT, SQLITE_NOTADB: the file is damaged
        Locked,   ///< SQLITE_BUSY, SQLITE_LOCKED past the busy timeout
        ReadOnly, ///< SQLITE_READONLY, SQLITE_PERM, EROFS, EACCES, EPERM
        Io,       ///< any other failure (its detail says which)
    };
    Kind kind = Kind::None;
    /// Bytes this user may still write on the file system of the data folder when it failed
    /// (QStorageInfo::bytesAvailable()); -1 when unknown.
    qint64 freeBytes = -1;
    /// The system's or SQLite's own words, for logs and --verbose; never shown as the reason.
    QString detail;

    /// True for a full disk (or quota).
    bool isDiskFull() const { return kind == Kind::DiskFull; }
    /// True for any failure.
    bool failed() const { return kind != Kind::None; }
};

/// The stable lower-case name of a kind ("disk-full"), for logs and tests.
QString storageErrorKindName(StorageError::Kind kind);

/// Classifies a failed SQLite call of the outbox in `folder` from its result code
/// (QSqlError::nativeErrorCode(), the primary code in its low byte): SQLITE_FULL (13) is a full
/// disk; SQLITE_IOERR (10) and SQLITE_CANTOPEN (14), which SQLite also returns when it cannot
/// grow its -shm file or create its -wal file on a full disk, are a full disk when a write in
/// `folder` fails with ENOSPC or EDQUOT right now (probeWrite()), else Io. An invalid error is
/// Kind::None.
StorageError storageErrorFromSql(const QSqlError &error, const QString &folder);

/// Classifies a failed file operation in `folder` from its errno: ENOSPC and EDQUOT are a full
/// disk, EROFS, EACCES and EPERM read-only, anything else Io; `detail` is kept as it is.
StorageError storageErrorFromErrno(int error, const QString &folder, const QString &detail);

/// Writes and removes a small file (64 KiB) in `folder` and returns the errno of the first step
/// that failed, 0 when it could be written: tells a full disk from other failures when the
/// call that failed did not say why (QLockFile reports "unknown error", SQLite an I/O error).
int probeWrite(const QString &folder);

/// Bytes this user may still write on the file system holding `folder` (QStorageInfo), -1 when
/// unknown.
qint64 freeBytes(const QString &folder);

/// The reserve: a file of kSize bytes (`outpost.reserve` in the data folder) that holds room on
/// the disk for the writes Outpost must be able to do when the disk is full: taking the lock
/// file, opening the outbox (SQLite's -wal and -shm files), cancelling or deleting messages
/// (which frees their pages for later messages), recording what the server said about messages
/// already sent, and putting interrupted messages back in the queue. New messages never use it:
/// the reserve is released (deleted) only by those writes, after they failed for want of room,
/// and made again by a later start once the disk has room (ensure()).
class DiskReserve
{
public:
    /// The size of the reserve (4 MiB: a cancel of a large message and a batch of outcomes
    /// write well under 1 MiB to the write-ahead log).
    static constexpr qint64 kSize = 4 * 1024 * 1024;
    /// The reserve is made only while at least this much is free (so making it never fills a
    /// disk that is almost full).
    static constexpr qint64 kMakeWhenFree = 4 * kSize;

    /// The reserve's path in data folder `folder`.
    static QString path(const QString &folder);
    /// True when the reserve of `folder` exists.
    static bool exists(const QString &folder);
    /// Makes the reserve of `folder` when it is missing and at least kMakeWhenFree bytes are
    /// free (written out, not a sparse file, so the room is really taken); a failure leaves no
    /// partial file. True when the reserve exists afterwards.
    static bool ensure(const QString &folder);
    /// Gives kStep bytes of the reserve of `folder` back to the disk (it is shortened, and
    /// deleted with its last step), so that one full disk lets several writes through (a
    /// cancel, then a flush) rather than only the first. True when there was room to give (the
    /// caller may try again what failed for want of it).
    static bool release(const QString &folder);
    /// What release() gives back at a time (1 MiB).
    static constexpr qint64 kStep = 1024 * 1024;
};

} // namespace outpost
