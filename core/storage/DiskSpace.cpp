#include "DiskSpace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStorageInfo>

#include <cerrno>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <unistd.h>
#endif

namespace outpost {

namespace {
// SQLite's primary result codes (sqlite3.h), the low byte of QSqlError::nativeErrorCode().
constexpr int kSqlitePerm = 3;
constexpr int kSqliteBusy = 5;
constexpr int kSqliteLocked = 6;
constexpr int kSqliteReadOnly = 8;
constexpr int kSqliteIoErr = 10;
constexpr int kSqliteCorrupt = 11;
constexpr int kSqliteFull = 13;
constexpr int kSqliteCantOpen = 14;
constexpr int kSqliteNotADb = 26;

constexpr qint64 kProbeBytes = 64 * 1024;
} // namespace

QString storageErrorKindName(StorageError::Kind kind)
{
    switch (kind) {
    case StorageError::Kind::None:
        return QStringLiteral("none");
    case StorageError::Kind::DiskFull:
        return QStringLiteral("disk-full");
    case StorageError::Kind::Damaged:
        return QStringLiteral("damaged");
    case StorageError::Kind::Locked:
        return QStringLiteral("locked");
    case StorageError::Kind::ReadOnly:
        return QStringLiteral("read-only");
    case StorageError::Kind::Io:
        return QStringLiteral("io");
    }
    return QStringLiteral("io");
}

qint64 freeBytes(const QString &folder)
{
    QStorageInfo info(folder);
    return info.isValid() ? info.bytesAvailable() : -1;
}

int probeWrite(const QString &folder)
{
#ifdef Q_OS_UNIX
    const QByteArray name = QFile::encodeName(
        QDir(folder).filePath(QStringLiteral(".outpost-probe-%1").arg(::getpid())));
    const int fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    int error = 0;
    const QByteArray zeros(4096, '\0');
    for (qint64 written = 0; written < kProbeBytes && error == 0; written += zeros.size()) {
        if (::write(fd, zeros.constData(), size_t(zeros.size())) != zeros.size())
            error = errno ? errno : ENOSPC;
    }
    if (error == 0 && ::fsync(fd) != 0)
        error = errno;
    ::close(fd);
    ::unlink(name.constData());
    return error;
#else
    // No errno to read here: a file system with less free than the probe is full.
    const qint64 free = freeBytes(folder);
    return free >= 0 && free < kProbeBytes ? ENOSPC : 0;
#endif
}

StorageError storageErrorFromErrno(int error, const QString &folder, const QString &detail)
{
    StorageError e;
    e.detail = detail;
    switch (error) {
    case 0:
        return StorageError{};
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        e.kind = StorageError::Kind::DiskFull;
        break;
    case EROFS:
    case EACCES:
    case EPERM:
        e.kind = StorageError::Kind::ReadOnly;
        break;
    default:
        e.kind = StorageError::Kind::Io;
        break;
    }
    e.freeBytes = freeBytes(folder);
    return e;
}

StorageError storageErrorFromSql(const QSqlError &error, const QString &folder)
{
    if (!error.isValid() || error.type() == QSqlError::NoError)
        return StorageError{};
    StorageError e;
    e.detail = error.text();
    const int code = error.nativeErrorCode().toInt() & 0xff;
    switch (code) {
    case kSqliteFull:
        e.kind = StorageError::Kind::DiskFull;
        break;
    case kSqliteCorrupt:
    case kSqliteNotADb:
        e.kind = StorageError::Kind::Damaged;
        break;
    case kSqliteBusy:
    case kSqliteLocked:
        e.kind = StorageError::Kind::Locked;
        break;
    case kSqliteReadOnly:
    case kSqlitePerm:
        e.kind = StorageError::Kind::ReadOnly;
        break;
    case kSqliteIoErr:
    case kSqliteCantOpen: {
        // SQLite cannot grow its -shm file (SQLITE_IOERR_SHMSIZE) or create its -wal file on
        // a full disk, and does not pass the errno on: ask the file system.
        const int probe = probeWrite(folder);
        e.kind = probe == ENOSPC
#ifdef EDQUOT
                         || probe == EDQUOT
#endif
                     ? StorageError::Kind::DiskFull
                     : StorageError::Kind::Io;
        break;
    }
    default:
        e.kind = StorageError::Kind::Io;
        break;
    }
    e.freeBytes = freeBytes(folder);
    return e;
}

QString DiskReserve::path(const QString &folder)
{
    return QDir(folder).filePath(QStringLiteral("outpost.reserve"));
}

bool DiskReserve::exists(const QString &folder)
{
    return QFileInfo(path(folder)).isFile();
}

bool DiskReserve::ensure(const QString &folder)
{
    const QString file = path(folder);
    const QFileInfo fi(file);
    if (fi.isFile() && fi.size() >= kSize)
        return true;
    if (fi.exists() && !fi.isFile())
        return false; // not ours to replace (prepareDataDir() refuses a link there)
    const qint64 free = freeBytes(folder);
    if (free < kMakeWhenFree)
        return false;
    const QString partial = file + QStringLiteral(".new");
    QFile::remove(partial);
    QFile f(partial);
    if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return false;
    const QByteArray zeros(64 * 1024, '\0');
    bool ok = true;
    for (qint64 written = 0; ok && written < kSize; written += zeros.size())
        ok = f.write(zeros) == zeros.size();
    ok = ok && f.flush();
    f.close();
    if (ok)
        ok = (!QFile::exists(file) || QFile::remove(file)) && QFile::rename(partial, file);
    if (!ok)
        QFile::remove(partial);
    return ok;
}

bool DiskReserve::release(const QString &folder)
{
    QFile f(path(folder));
    const qint64 size = f.size();
    if (!f.exists() || size <= kStep)
        return f.remove();
    return f.resize(size - kStep);
}

} // namespace outpost
