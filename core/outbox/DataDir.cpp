#include "DataDir.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#endif

namespace outpost {

QString dataDirProblemName(DataDirProblem p)
{
    switch (p) {
    case DataDirProblem::None:
        return {};
    case DataDirProblem::CannotCreate:
        return QStringLiteral("cannot-create");
    case DataDirProblem::NotADirectory:
        return QStringLiteral("not-a-directory");
    case DataDirProblem::NotOwned:
        return QStringLiteral("not-owned");
    case DataDirProblem::WritableByOthers:
        return QStringLiteral("writable-by-others");
    case DataDirProblem::Symlink:
        return QStringLiteral("symlink");
    }
    return {};
}

#ifdef Q_OS_UNIX
namespace {

/// The outbox's own files in its folder: the database, SQLite's journal files, the lock.
const char *const kOutboxFiles[] = {"outbox.sqlite",     "outbox.sqlite-wal",
                                    "outbox.sqlite-shm", "outbox.sqlite-journal",
                                    "outpost.lock",      "outpost.reserve"};

QString octal(mode_t m)
{
    return QStringLiteral("%1").arg(uint(m & 07777), 4, 8, QLatin1Char('0'));
}

/// Checks one existing path with lstat(): ours, not a link (files), not writable by others;
/// takes every permission from group and others when they have any (the owner's bits stay: a
/// file the user made read-only stays read-only).
DataDirProblem checkOne(const QString &path, bool directory, DataDirCheck *out)
{
    const QByteArray p = QFile::encodeName(path);
    struct stat st = {};
    if (::lstat(p.constData(), &st) != 0)
        return errno == ENOENT ? DataDirProblem::None : DataDirProblem::CannotCreate;
    out->path = path;
    if (S_ISLNK(st.st_mode)) {
        if (!directory)
            return DataDirProblem::Symlink;
        // The folder itself may be a link the user made (a data folder on another disk):
        // what counts is the folder it leads to.
        if (::stat(p.constData(), &st) != 0)
            return DataDirProblem::CannotCreate;
    }
    if (directory != S_ISDIR(st.st_mode))
        return directory ? DataDirProblem::NotADirectory : DataDirProblem::Symlink;
    if (st.st_uid != ::geteuid()) {
        out->ownerId = st.st_uid;
        return DataDirProblem::NotOwned;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return DataDirProblem::WritableByOthers;
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        if (::chmod(p.constData(), st.st_mode & S_IRWXU) == 0)
            out->tightened << QStringLiteral("%1 (was %2)").arg(path, octal(st.st_mode));
    }
    return DataDirProblem::None;
}

/// A folder of this user's that no other user may write, made 0700 when missing.
bool privateFolder(const QString &dir, bool create)
{
    const QByteArray p = QFile::encodeName(dir);
    if (create && ::mkdir(p.constData(), 0700) != 0 && errno != EEXIST)
        return false;
    struct stat st = {};
    return ::lstat(p.constData(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
           (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

} // namespace

DataDirCheck prepareDataDir(const QString &dir, bool create)
{
    DataDirCheck out;
    out.path = dir;
    const QString abs = QFileInfo(dir).absoluteFilePath();
    if (!QFileInfo::exists(abs)) {
        if (!create) {
            out.problem = DataDirProblem::CannotCreate;
            return out;
        }
        // Parents as usual, the outbox folder itself for this user only.
        if (!QDir().mkpath(QFileInfo(abs).absolutePath()) ||
            (::mkdir(QFile::encodeName(abs).constData(), 0700) != 0 && errno != EEXIST)) {
            out.problem = DataDirProblem::CannotCreate;
            return out;
        }
    }
    out.problem = checkOne(abs, true, &out);
    if (!out.ok())
        return out;
    for (const char *name : kOutboxFiles) {
        out.problem = checkOne(QDir(abs).filePath(QString::fromLatin1(name)), false, &out);
        if (!out.ok())
            return out;
    }
    out.path = abs;
    return out;
}

QString instanceSocketPath(const QString &dataDir, QString *why)
{
    const QString abs = QFileInfo(dataDir).absoluteFilePath();
    const QString id = QString::fromLatin1(
        QCryptographicHash::hash(abs.toUtf8(), QCryptographicHash::Sha256).toHex().left(20));
    // sun_path holds 108 octets with its NUL.
    const auto fits = [](const QString &path) {
        return QFile::encodeName(path).size() < 100;
    };
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (!runtime.isEmpty() && privateFolder(runtime, false)) {
        struct stat st = {};
        if (::stat(QFile::encodeName(runtime).constData(), &st) == 0 &&
            (st.st_mode & (S_IRWXG | S_IRWXO)) == 0) {
            const QString path = runtime + QStringLiteral("/outpost-") + id;
            if (fits(path))
                return path;
        }
    }
    const QString inData = abs + QStringLiteral("/outpost.socket");
    if (fits(inData) && privateFolder(abs, false))
        return inData;
    const QString tmp = QStringLiteral("/tmp/outpost-%1").arg(::geteuid());
    if (privateFolder(tmp, true) && ::chmod(QFile::encodeName(tmp).constData(), 0700) == 0)
        return tmp + QLatin1Char('/') + id;
    if (why)
        *why = QStringLiteral("no private folder for the single-instance socket (%1 is not this "
                              "user's alone)")
                   .arg(tmp);
    return {};
}

bool localPeerIsThisUser(qintptr fd)
{
#if defined(Q_OS_LINUX)
    struct ucred cred = {};
    socklen_t len = sizeof cred;
    if (::getsockopt(int(fd), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return false;
    return cred.uid == ::geteuid();
#elif defined(Q_OS_MACOS) || defined(Q_OS_FREEBSD) || defined(Q_OS_OPENBSD)
    uid_t uid = 0;
    gid_t gid = 0;
    if (::getpeereid(int(fd), &uid, &gid) != 0)
        return false;
    return uid == ::geteuid();
#else
    Q_UNUSED(fd);
    return true;
#endif
}

#else // Windows: the per-user application-data folder is private already.

DataDirCheck prepareDataDir(const QString &dir, bool create)
{
    DataDirCheck out;
    out.path = dir;
    QDir d(dir);
    if (!d.exists() && !(create && d.mkpath(QStringLiteral("."))))
        out.problem = DataDirProblem::CannotCreate;
    return out;
}

QString instanceSocketPath(const QString &dataDir, QString *)
{
    const QString abs = QFileInfo(dataDir).absoluteFilePath();
    return QStringLiteral("outpost-") +
           QString::fromLatin1(
               QCryptographicHash::hash(abs.toUtf8(), QCryptographicHash::Sha256).toHex().left(20));
}

bool localPeerIsThisUser(qintptr)
{
    return true;
}

#endif

} // namespace outpost
