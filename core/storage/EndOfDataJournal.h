#pragma once

#include <QFile>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

namespace outpost {

/// The end-of-data marks of the sending process, kept in an append-only journal file in the
/// data folder (`end-of-data.journal`) by the thread that sends, without a round trip to the
/// storage thread and without an SQLite transaction per message.
///
/// A mark says "the end of data of message `id` may go on the wire from now on"; it is written
/// (mark()) before the end marker or `BDAT … LAST` is written to the socket, and it is no longer
/// needed once the message's outcome is committed to the outbox (resolve()). At the next start
/// Service::open() reads the journal (read()) and the marks of messages still `sending` count as
/// `end_of_data_at` for decideInterrupted() (OutboxWriter::recoverInterrupted()); then the
/// journal starts empty (reset()).
///
/// An acceptance (accept()) says "the server accepted message `id` for every recipient"; it is
/// written by the thread that sends as soon as the reply is read, before the outcome waits for
/// its group commit, and resolved with the mark by the same commit. At the next start a message
/// still `sending` with an acceptance is recorded as sent instead of being sent again: a crash
/// sends a message twice only if it comes between the end marker and the acceptance.
///
/// What survives: every record is one write(2) to the page cache, so it survives the process
/// being killed (SIGKILL, a crash) exactly as SQLite's WAL with synchronous=NORMAL does. It is
/// not synced: a power cut or a kernel crash within the kernel's write-back delay (about 30 s)
/// may lose marks, and a message whose end of data had gone out is then recovered with the
/// neutral note only (sent again without "may have been sent already").
///
/// The file is a sequence of fixed 16-octet records: a 4-octet tag ("MRK1" a mark, "ACC1" an
/// acceptance, "CLR1" a mark and acceptance resolved), the message id (64 bits, little-endian), the
/// CRC-16 (qChecksum, ITU-T V.41) of those 12 octets (little-endian) and two zero octets. It is
/// emptied when nothing is outstanding and rewritten with only the outstanding marks when it grows
/// past a limit, so it stays small. Only one process sends from a data folder (the folder's lock),
/// and every session of that process runs on its one sending thread: the journal has one writer.
class EndOfDataJournal
{
public:
    /// The journal's file name in the data folder.
    static QString fileName();

    /// What read() found in a journal file.
    struct Contents
    {
        QSet<qint64> marked;   ///< marks written and not resolved
        QSet<qint64> accepted; ///< acceptances written and not resolved
        QStringList problems;  ///< damaged or incomplete records that were ignored, in words
    };
    /// Reads the journal at `path` (a missing file is an empty journal). A record that is
    /// damaged (unknown tag, wrong checksum) or cut short (a write torn by a crash) is skipped
    /// and described in Contents::problems; reading never fails otherwise.
    static Contents read(const QString &path);

    /// A journal at `path`, not opened yet. It is rewritten once it grows past `compactBytes`
    /// octets while marks are outstanding.
    explicit EndOfDataJournal(QString path, qint64 compactBytes = 256 * 1024);

    /// Opens the journal for writing (created with mode 0600 if missing). With `truncate` it
    /// starts empty (after recovery has used its marks), else the marks in `outstanding` and
    /// the acceptances in `accepted` are kept as outstanding and new records are appended.
    /// False with *error (the system's words) when the file cannot be opened.
    bool open(bool truncate, const QSet<qint64> &outstanding, QString *error,
              const QSet<qint64> &accepted = {});

    /// Records that the end of data of message `id` may go. True once the record is written
    /// (and so survives the process); false with *error when it could not be written in full:
    /// the end of data must not go on the strength of this journal then. After such a failure
    /// the journal refuses marks until nothing is outstanding and it could be emptied.
    bool mark(qint64 id, QString *error);

    /// Records that the server accepted message `id` for every recipient (RFC 5321 §4.1.1.4's
    /// reply to the end of data, or to `BDAT … LAST`, RFC 3030 §2), before that outcome is
    /// committed to the outbox. True once the record is written; false with *error when it
    /// could not be: the message then stays on the marks' path (sent again as "may have been
    /// sent already" should the process end before the commit), so a failure is only logged.
    bool accept(qint64 id, QString *error);

    /// The outcomes of `ids` are committed to the outbox: their marks are no longer needed.
    /// Their acceptances too. Ids without either are ignored. Empties the file when nothing is
    /// outstanding any more, else appends one resolve record per id (one write), and compacts
    /// a file past its limit. A failure here only keeps records that recovery would ignore (their
    /// messages are no longer `sending`), so it is logged, never reported.
    void resolve(const QList<qint64> &ids);

    /// Marks written and not resolved.
    qsizetype outstanding() const { return m_outstanding.size(); }
    /// Acceptances written and not resolved.
    qsizetype accepted() const { return m_accepted.size(); }
    /// The file's size as this journal wrote it (octets).
    qint64 size() const { return m_size; }
    /// The journal's path.
    const QString &path() const { return m_path; }

private:
    bool append(const QByteArray &records, QString *error);
    bool empty();
    void compact();

    QString m_path;
    qint64 m_compactBytes;
    QFile m_file;
    QSet<qint64> m_outstanding;
    QSet<qint64> m_accepted;
    qint64 m_size = 0;
    bool m_broken = false; ///< a write failed and left the file in doubt
};

} // namespace outpost
