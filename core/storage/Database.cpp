#include "Database.h"

#include <QFile>
#include <QFileInfo>
#include <QUrl>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

#include <QAtomicInt>

#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <algorithm>

namespace outpost {

namespace {

QAtomicInt g_connectionCounter;

// Each entry upgrades the schema from version (index) to version (index + 1). Optional text
// columns may hold NULL (Qt binds a null QString as NULL); readers treat it as empty.
const char *const kMigrations[] = {
    // 0 -> 1: the first schema.
    R"sql(
CREATE TABLE accounts (
    name TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    security TEXT NOT NULL,
    auth TEXT NOT NULL DEFAULT 'auto',
    user TEXT DEFAULT '',
    from_addr TEXT DEFAULT '',
    password_command TEXT DEFAULT '',
    ca_file TEXT DEFAULT '',
    pin_sha256 TEXT DEFAULT '',
    allow_plain_auth INTEGER NOT NULL DEFAULT 0,
    paused INTEGER NOT NULL DEFAULT 0,
    pause_class TEXT DEFAULT '',
    pause_detail TEXT DEFAULT '',
    capabilities TEXT DEFAULT '',
    is_default INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE settings (
    account TEXT DEFAULT '',
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (account, key)
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    state TEXT NOT NULL,
    error_class TEXT DEFAULT '',
    reverse_path BLOB,
    from_text TEXT DEFAULT '',
    to_text TEXT DEFAULT '',
    subject TEXT DEFAULT '',
    message_id BLOB DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    needs_smtputf8 INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    send_at INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_code INTEGER NOT NULL DEFAULT 0,
    last_enhanced TEXT DEFAULT '',
    last_text TEXT DEFAULT '',
    uncertain INTEGER NOT NULL DEFAULT 0,
    held_by_account INTEGER NOT NULL DEFAULT 0,
    last_detail TEXT DEFAULT '',
    updated_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX messages_by_state ON messages (state, next_attempt_at);
CREATE TABLE message_data (
    id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    data BLOB NOT NULL
);
CREATE TABLE recipients (
    message INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    address BLOB NOT NULL,
    state TEXT NOT NULL,
    code INTEGER NOT NULL DEFAULT 0,
    enhanced TEXT DEFAULT '',
    text TEXT DEFAULT '',
    PRIMARY KEY (message, seq)
);
CREATE TABLE history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    event TEXT NOT NULL,
    error_class TEXT DEFAULT '',
    code INTEGER NOT NULL DEFAULT 0,
    enhanced TEXT DEFAULT '',
    text TEXT DEFAULT '',
    uncertain INTEGER NOT NULL DEFAULT 0,
    server TEXT DEFAULT '',
    detail TEXT DEFAULT ''
);
CREATE INDEX history_by_message ON history (message);
CREATE TABLE address_book (
    address TEXT PRIMARY KEY,
    name TEXT DEFAULT '',
    last_used INTEGER NOT NULL DEFAULT 0,
    uses INTEGER NOT NULL DEFAULT 0
);
)sql",
    // 1 -> 2: delivery status notification requests (RFC 3461) and notes on attempts. NULL
    // (every row from before) means "no DSN requested" / "no notes".
    R"sql(
ALTER TABLE messages ADD COLUMN dsn_notify TEXT;
ALTER TABLE messages ADD COLUMN dsn_ret TEXT;
ALTER TABLE messages ADD COLUMN dsn_envid TEXT;
ALTER TABLE history ADD COLUMN notes TEXT;
)sql",
    // 2 -> 3: history events by their stable names (historyEventName()) instead of English
    // phrases; the time a dropped schedule was for moves to the detail. A phrase this build
    // does not know becomes 'unknown' with the phrase kept in the detail. (char(59) is the
    // ';' of two old phrases: execScript() splits the script at every ';'.)
    R"sql(
UPDATE history SET event = 'draft-saved' WHERE event = 'draft saved';
UPDATE history SET event = 'sent-some-refused' WHERE event = 'sent (some recipients refused)';
UPDATE history SET event = 'partly-deferred'
    WHERE event = 'partly sent' || char(59) || ' deferred recipients queued';
UPDATE history SET event = 'deferred-unreachable' WHERE event = 'deferred (server unreachable)';
UPDATE history SET event = 'uncertain-requeued'
    WHERE event = 'delivery uncertain' || char(59) || ' queued again';
UPDATE history SET event = 'failed-account-removed' WHERE event = 'failed (account removed)';
UPDATE history SET event = 'held-account-paused' WHERE event = 'held (account paused)';
UPDATE history SET event = 'held' WHERE event = 'held by the user';
UPDATE history SET event = 'released-account-resumed' WHERE event = 'released (account resumed)';
UPDATE history SET event = 'retry-requested' WHERE event = 'retry requested';
UPDATE history SET event = 'retry-requested',
    detail = substr(event, 31, length(event) - 30 - 9)
    WHERE event LIKE 'retry requested (schedule for % dropped)';
UPDATE history SET event = 'interrupted' WHERE event = 'interrupted (Outpost quit)';
UPDATE history SET event = 'cancelled' WHERE event = 'cancelled by the user';
UPDATE history SET event = 'back-to-draft' WHERE event = 'back to draft for editing';
UPDATE history SET event = 'edited-draft' WHERE event = 'edited, draft saved';
UPDATE history SET event = 'edited-queued' WHERE event = 'edited and queued';
UPDATE history SET event = 'unknown',
    detail = event || CASE WHEN detail IS NULL OR detail = '' THEN '' ELSE ': ' || detail END
    WHERE event NOT IN ('unknown', 'queued', 'draft-saved', 'sent', 'sent-some-refused',
        'partly-deferred', 'deferred', 'deferred-unreachable', 'uncertain-requeued', 'expired',
        'failed', 'failed-account-removed', 'held-account-paused', 'held', 'released',
        'released-account-resumed', 'retry-requested', 'recovered', 'interrupted', 'cancelled',
        'back-to-draft', 'edited-draft', 'edited-queued');
)sql",
    // 3 -> 4: how many recipients a message has and how many of them are `failed`, so that
    // listings tell a message sent to only some of its recipients (delivery "partial") from
    // the messages table alone, as fast as before. Counted from the recipients of every row.
    R"sql(
ALTER TABLE messages ADD COLUMN recipient_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN refused_recipients INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET
    recipient_count = (SELECT COUNT(*) FROM recipients WHERE recipients.message = messages.id),
    refused_recipients = (SELECT COUNT(*) FROM recipients
                          WHERE recipients.message = messages.id AND recipients.state = 'failed');
)sql",
    // 4 -> 5: when the end of a message's data (DATA's end marker, BDAT LAST) was cleared to
    // go on the wire, durably and before it went (0: not in this attempt). Set while the
    // message is `sending`, cleared with the attempt's outcome: a message found `sending` with
    // it at the next start may have been sent already (OutboxWriter::recoverInterrupted).
    R"sql(
ALTER TABLE messages ADD COLUMN end_of_data_at INTEGER NOT NULL DEFAULT 0;
)sql",
    // 5 -> 6: when a sent message's bytes were dropped after `retention.sent_days` (ms since
    // the epoch; 0 = its bytes are kept). Its record, recipients and history stay; only its
    // message_data row goes.
    R"sql(
ALTER TABLE messages ADD COLUMN bytes_dropped_at INTEGER NOT NULL DEFAULT 0;
)sql",
    // 6 -> 7: the copy in the Sent folder. Per account its IMAP server (empty host: none), the
    // folder (empty: found by LIST) and the switch sent_copy (auto|on|off). Per message the
    // copy's state (none, pending, failed, copied), its attempts, next attempt (ms, 0: none),
    // the last failure (ImapErrorClass name and the server's text), the UID of the copy, and
    // the time the server accepted the message (the copy's internal date). The partial index
    // keeps finding due copies cheap however many messages were copied.
    R"sql(
ALTER TABLE accounts ADD COLUMN imap_host TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN imap_port INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN imap_security TEXT NOT NULL DEFAULT 'tls';
ALTER TABLE accounts ADD COLUMN imap_user TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN sent_folder TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN sent_copy TEXT NOT NULL DEFAULT 'auto';
ALTER TABLE messages ADD COLUMN sent_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN copy_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE messages ADD COLUMN copy_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN copy_next_attempt_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN copy_error_class TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN copy_error_text TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN copy_uid INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_copy_due ON messages (copy_next_attempt_at)
    WHERE copy_state IN ('pending', 'failed');
)sql",
};

bool execScript(QSqlDatabase &db, const QString &script, QString *error, QSqlError *failure)
{
    const QStringList statements = script.split(QLatin1Char(';'), Qt::SkipEmptyParts);
    for (const QString &s : statements) {
        if (s.trimmed().isEmpty())
            continue;
        QSqlQuery q(db);
        if (!q.exec(s)) {
            *error = q.lastError().text();
            *failure = q.lastError();
            return false;
        }
    }
    return true;
}

} // namespace

Database::~Database()
{
    close();
}

int Database::schemaVersion()
{
    return int(std::size(kMigrations));
}

namespace {
/// Whether this process may write `path` (a read-only file system counts as no).
bool writable(const QString &path)
{
#ifdef Q_OS_UNIX
    return ::access(QFile::encodeName(path).constData(), W_OK) == 0;
#else
    return QFileInfo(path).isWritable();
#endif
}
} // namespace

QString Database::folder() const
{
    return QFileInfo(m_path).absolutePath();
}

void Database::classifyOpenFailure(const QSqlError &why, OpenError otherwise)
{
    m_failure = storageErrorFromSql(why, folder());
    m_openError = m_failure.isDiskFull() ? OpenError::DiskFull : otherwise;
}

bool Database::open(const QString &path, QString *error, Access access)
{
    m_path = path;
    m_openError = OpenError::None;
    m_failure = StorageError{};
    m_connection = QStringLiteral("outpost-%1").arg(g_connectionCounter.fetchAndAddRelaxed(1));
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    if (access == Access::Snapshot) {
        QUrl uri = QUrl::fromLocalFile(QFileInfo(path).absoluteFilePath());
        uri.setQuery(QStringLiteral("immutable=1"));
        m_db.setDatabaseName(uri.toString(QUrl::FullyEncoded));
        m_db.setConnectOptions(
            QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000;QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI"));
    } else {
        m_db.setDatabaseName(path);
        m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    }
    if (!m_db.open()) {
        m_openError = OpenError::Io;
        *error = QStringLiteral("cannot open %1: %2").arg(path, m_db.lastError().text());
        return false;
    }
    QSqlQuery q(m_db);
    // A file that is not a database fails on the first read.
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next()) {
        const QString why = q.lastError().text();
        // Only SQLite's own verdicts mean a damaged file (SQLITE_CORRUPT 11, SQLITE_NOTADB 26);
        // a file or folder this user may not read or write (SQLITE_CANTOPEN 14, SQLITE_READONLY
        // 8, SQLITE_PERM 3, SQLITE_IOERR 10) is not damaged, and moving it aside would only
        // hide the queued mail in it.
        const int code = q.lastError().nativeErrorCode().toInt() & 0xff;
        if (code == 5 || code == 6 || why.contains(QLatin1String("locked"))) {
            m_openError = OpenError::Locked;
            *error = QStringLiteral("%1 is locked by another program: %2").arg(path, why);
        } else if (code == 11 || code == 26) {
            m_openError = OpenError::Corrupt;
            *error = QStringLiteral("%1 is not a usable outbox database: %2").arg(path, why);
        } else {
            classifyOpenFailure(q.lastError(), OpenError::Io);
            *error = QStringLiteral("cannot read %1 (check that this user may read and write it "
                                    "and its folder): %2")
                         .arg(path, why);
        }
        close();
        return false;
    }
    const int version = q.value(0).toInt();
    if (version > schemaVersion()) {
        m_openError = OpenError::NewerSchema;
        *error =
            QStringLiteral("%1 was written by a newer Outpost (schema %2, this build knows %3)")
                .arg(path)
                .arg(version)
                .arg(schemaVersion());
        close();
        return false;
    }
    if (access == Access::Snapshot) {
        if (version < schemaVersion()) {
            m_openError = OpenError::Io;
            *error = QStringLiteral("%1 needs an upgrade, which needs room on the disk").arg(path);
            close();
            return false;
        }
        m_textIsUtf8 = q.exec(QStringLiteral("PRAGMA encoding")) && q.next() &&
                       q.value(0).toString() == QLatin1String("UTF-8");
        return true;
    }
    // A new file returns the pages that deleted messages leave to the disk on request
    // (reclaimFreePages()). SQLite takes the mode only before the first table is made and
    // before the switch to WAL writes the header; an older file is switched by a VACUUM
    // (useIncrementalVacuum()), never here: open() runs on the thread that starts the app.
    if (version == 0 && !q.exec(QStringLiteral("PRAGMA auto_vacuum = INCREMENTAL"))) {
        m_openError = OpenError::Io;
        *error = QStringLiteral("cannot configure %1: %2").arg(path, q.lastError().text());
        close();
        return false;
    }
    if (!q.exec(QStringLiteral("PRAGMA journal_mode=WAL")) ||
        !q.exec(QStringLiteral("PRAGMA synchronous=FULL")) ||
        !q.exec(QStringLiteral("PRAGMA foreign_keys=ON"))) {
        const QString why = q.lastError().text();
        classifyOpenFailure(q.lastError(), why.contains(QLatin1String("locked")) ? OpenError::Locked
                                                                                 : OpenError::Io);
        *error = QStringLiteral("cannot configure %1: %2").arg(path, why);
        close();
        return false;
    }
    if (access == Access::ReadWrite) {
        // A file or folder this user may only read (or a read-only file system) opens fine and
        // fails at the first write: found here, the caller says so at once instead of failing
        // every write later (a flush retried its failed writes for ever). SQLite's journal files
        // count too: it writes every change to the -wal file first.
        const QFileInfo db(path);
        QStringList readOnly;
        for (const QString &f : {path, path + QStringLiteral("-wal"), path + QStringLiteral("-shm"),
                                 db.absolutePath()}) {
            if (QFileInfo::exists(f) && !writable(f))
                readOnly << f;
        }
        if (!readOnly.isEmpty()) {
            m_openError = OpenError::ReadOnly;
            *error = QStringLiteral("%1 cannot be written (check that this user may read and write "
                                    "it and its folder); read-only: %2")
                         .arg(path, readOnly.join(QLatin1String(", ")));
            close();
            return false;
        }
    }
    if (version > 0) {
        // The header was read above; reading the schema parses every table's definition, so
        // a damaged schema page is refused here whatever the access.
        if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_schema")) || !q.next()) {
            const QSqlError why = q.lastError();
            const int code = why.nativeErrorCode().toInt() & 0xff;
            classifyOpenFailure(why, isCorruption(why)        ? OpenError::Corrupt
                                     : code == 5 || code == 6 ? OpenError::Locked
                                                              : OpenError::Io);
            *error = QStringLiteral("%1 is not a usable outbox database: %2").arg(path, why.text());
            close();
            return false;
        }
        q.finish();
        if ((access == Access::ReadWrite || version < schemaVersion()) && !checkIntegrity(error)) {
            close();
            return false;
        }
    }
    if (!migrate(error)) {
        close();
        return false;
    }
    m_textIsUtf8 = q.exec(QStringLiteral("PRAGMA encoding")) && q.next() &&
                   q.value(0).toString() == QLatin1String("UTF-8");
    if (access == Access::ReadOnly && !q.exec(QStringLiteral("PRAGMA query_only = ON"))) {
        m_openError = OpenError::Io;
        *error = QStringLiteral("cannot configure %1: %2").arg(path, q.lastError().text());
        close();
        return false;
    }
    return true;
}

/// quick_check reads every page it covers: the whole file took 2.7 s for an outbox of 100,000
/// messages (1.2 GB). Every table is checked except message_data,
/// which holds only the frozen message bytes (a damaged one shows when that message is read);
/// the rest is ~5 % of the file.
bool Database::checkIntegrity(QString *error)
{
    QSqlQuery q(m_db);
    QStringList tables;
    if (q.exec(QStringLiteral("SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> "
                              "'message_data'"))) {
        while (q.next())
            tables << q.value(0).toString();
    }
    bool ok = !q.lastError().isValid();
    for (const QString &table : std::as_const(tables)) {
        ok = ok && q.exec(QStringLiteral("PRAGMA quick_check(\"%1\")").arg(table)) && q.next() &&
             q.value(0).toString() == QLatin1String("ok");
    }
    if (!ok) {
        m_openError = OpenError::Corrupt;
        *error = QStringLiteral("%1 is damaged (integrity check failed)").arg(m_path);
        return false;
    }
    return true;
}

bool Database::isCorruption(const QSqlError &error)
{
    const int code = error.nativeErrorCode().toInt() & 0xff;
    return error.isValid() && (code == 11 || code == 26);
}

bool Database::openConnection(const QString &path, QString *error)
{
    m_path = path;
    m_openError = OpenError::None;
    m_failure = StorageError{};
    m_connection = QStringLiteral("outpost-%1").arg(g_connectionCounter.fetchAndAddRelaxed(1));
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    m_db.setDatabaseName(path);
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    bool ok = m_db.open();
    QString why = m_db.lastError().text();
    QSqlError failure = m_db.lastError();
    if (ok) {
        QSqlQuery q(m_db);
        ok = q.exec(QStringLiteral("PRAGMA synchronous=FULL")) &&
             q.exec(QStringLiteral("PRAGMA foreign_keys=ON")) &&
             // No memory map: the pages of a mapped file count as resident memory, and a
             // flush reads every message it sends (up to 256 MiB of the file were mapped).
             // Messages are read in pieces (MessageBlob.h).
             q.exec(QStringLiteral("PRAGMA encoding")) && q.next();
        why = q.lastError().text();
        failure = q.lastError();
        m_textIsUtf8 = ok && q.value(0).toString() == QLatin1String("UTF-8");
    }
    if (!ok) {
        classifyOpenFailure(failure, OpenError::Io);
        *error = QStringLiteral("cannot open %1: %2").arg(path, why);
        close();
        return false;
    }
    return true;
}

bool Database::migrate(QString *error)
{
    QSqlQuery q(m_db);
    q.exec(QStringLiteral("PRAGMA user_version"));
    q.next();
    int version = q.value(0).toInt();
    while (version < schemaVersion()) {
        Transaction tx(m_db);
        QString why;
        QSqlError failure;
        QSqlQuery setVersion(m_db);
        if (!tx.ok() ||
            !execScript(m_db, QString::fromUtf8(kMigrations[version]), &why, &failure) ||
            !setVersion.exec(QStringLiteral("PRAGMA user_version = %1").arg(version + 1)) ||
            !tx.commit()) {
            if (!failure.isValid())
                failure = setVersion.lastError().isValid() ? setVersion.lastError() : tx.error();
            classifyOpenFailure(failure, why.contains(QLatin1String("locked")) ? OpenError::Locked
                                                                               : OpenError::Io);
            *error = QStringLiteral("cannot upgrade the outbox schema from version %1: %2")
                         .arg(version)
                         .arg(why.isEmpty() ? failure.text() : why);
            return false;
        }
        ++version;
    }
    return true;
}

FileSpace Database::fileSpace()
{
    FileSpace s;
    QSqlQuery q(m_db);
    const auto value = [&q](const char *pragma) {
        return q.exec(QLatin1String(pragma)) && q.next() ? q.value(0).toLongLong() : -1;
    };
    s.pageSize = value("PRAGMA page_size");
    s.pageCount = value("PRAGMA page_count");
    s.freePages = value("PRAGMA freelist_count");
    s.incrementalVacuum = value("PRAGMA auto_vacuum") == 2;
    q.finish();
    return s;
}

bool Database::useIncrementalVacuum(qint64 maxLiveBytes, bool *switched, QString *error)
{
    *switched = false;
    const FileSpace s = fileSpace();
    if (s.incrementalVacuum || s.pageSize <= 0 || s.liveBytes() > maxLiveBytes)
        return true;
    // VACUUM refuses to run while a statement of this connection is still open.
    for (const auto &statement : std::as_const(m_statements))
        statement->finish();
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("PRAGMA auto_vacuum = INCREMENTAL")) ||
        !q.exec(QStringLiteral("VACUUM"))) {
        *error = q.lastError().text();
        return false;
    }
    *switched = true;
    return true;
}

qint64 Database::reclaimFreePages(qint64 maxPages, QString *error)
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("PRAGMA auto_vacuum")) || !q.next() || q.value(0).toInt() != 2)
        return 0;
    if (!q.exec(QStringLiteral("PRAGMA freelist_count")) || !q.next()) {
        *error = q.lastError().text();
        return -1;
    }
    const qint64 pages = std::min(maxPages, q.value(0).toLongLong());
    if (pages <= 0)
        return 0;
    // `PRAGMA incremental_vacuum` moves one page per step of its statement and Qt steps a
    // statement without result columns once: one execution per page, all in one transaction
    // (one disk sync).
    Transaction tx(m_db);
    QSqlQuery v(m_db);
    if (!tx.ok() || !v.prepare(QStringLiteral("PRAGMA incremental_vacuum"))) {
        *error = v.lastError().text();
        return -1;
    }
    for (qint64 i = 0; i < pages; ++i) {
        if (!v.exec()) {
            *error = v.lastError().text();
            return -1;
        }
    }
    v.finish();
    if (!tx.commit()) {
        *error = m_db.lastError().text();
        return -1;
    }
    return pages;
}

void Database::checkpoint()
{
    QSqlQuery q(m_db);
    q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    q.finish();
}

QSqlQuery &Database::statement(const QString &sql)
{
    std::shared_ptr<QSqlQuery> &q = m_statements[sql];
    if (q)
        return *q;
    auto fresh = std::make_shared<QSqlQuery>(m_db);
    fresh->setForwardOnly(true);
    if (!fresh->prepare(sql)) {
        m_statements.remove(sql);
        m_failed = std::move(*fresh);
        return m_failed;
    }
    q = fresh;
    return *q;
}

void Database::close()
{
    m_statements.clear();
    m_failed = QSqlQuery();
    if (m_connection.isEmpty())
        return;
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connection);
    m_connection.clear();
}

// BEGIN, COMMIT and ROLLBACK run as statements rather than through QSqlDatabase::transaction()
// and commit(): Qt's driver reports a failed COMMIT without SQLite's result code, and the code
// is what tells a full disk (SQLITE_FULL) from anything else.
Transaction::Transaction(QSqlDatabase &db)
    : m_db(db)
{
    QSqlQuery q(m_db);
    m_active = q.exec(QStringLiteral("BEGIN"));
    if (!m_active)
        m_error = q.lastError();
}

Transaction::~Transaction()
{
    if (m_active)
        rollback();
}

void Transaction::rollback()
{
    m_active = false;
    QSqlQuery(m_db).exec(QStringLiteral("ROLLBACK"));
}

bool Transaction::commit()
{
    if (!m_active)
        return false;
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("COMMIT"))) {
        if (!m_error.isValid())
            m_error = q.lastError();
        rollback();
        return false;
    }
    m_active = false;
    return true;
}

bool Transaction::fail(const QSqlError &error)
{
    if (!m_error.isValid())
        m_error = error;
    if (m_active)
        rollback();
    return false;
}

} // namespace outpost
