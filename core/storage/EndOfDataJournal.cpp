#include "EndOfDataJournal.h"

#include <QSaveFile>
#include <QtEndian>

#include <cstring>
#include <utility>

namespace outpost {

namespace {
constexpr qsizetype kRecordSize = 16;
constexpr char kMarkTag[4] = {'M', 'R', 'K', '1'};
constexpr char kResolvedTag[4] = {'C', 'L', 'R', '1'};
constexpr char kAcceptedTag[4] = {'A', 'C', 'C', '1'};
constexpr QFileDevice::Permissions kOwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

/// One record: the tag, the id, the CRC-16 of both and two zero octets.
void putRecord(char *out, const char (&tag)[4], qint64 id)
{
    std::memcpy(out, tag, 4);
    qToLittleEndian<qint64>(id, out + 4);
    qToLittleEndian<quint16>(qChecksum(QByteArrayView(out, 12)), out + 12);
    out[14] = 0;
    out[15] = 0;
}

QByteArray records(const char (&tag)[4], const QList<qint64> &ids)
{
    QByteArray out(ids.size() * kRecordSize, Qt::Uninitialized);
    for (qsizetype i = 0; i < ids.size(); ++i)
        putRecord(out.data() + i * kRecordSize, tag, ids[i]);
    return out;
}
} // namespace

QString EndOfDataJournal::fileName()
{
    return QStringLiteral("end-of-data.journal");
}

EndOfDataJournal::Contents EndOfDataJournal::read(const QString &path)
{
    Contents c;
    QFile f(path);
    if (!f.exists())
        return c;
    if (!f.open(QIODevice::ReadOnly)) {
        c.problems << QStringLiteral("the end-of-data journal %1 could not be read (%2): its "
                                     "marks are ignored")
                          .arg(path, f.errorString());
        return c;
    }
    const QByteArray data = f.readAll();
    qsizetype damaged = 0;
    qint64 firstDamaged = -1;
    const qsizetype whole = data.size() - data.size() % kRecordSize;
    for (qsizetype at = 0; at < whole; at += kRecordSize) {
        const char *r = data.constData() + at;
        const bool isMark = std::memcmp(r, kMarkTag, 4) == 0;
        const bool isResolved = std::memcmp(r, kResolvedTag, 4) == 0;
        const bool isAccepted = std::memcmp(r, kAcceptedTag, 4) == 0;
        const bool sound = (isMark || isResolved || isAccepted) && r[14] == 0 && r[15] == 0 &&
                           qFromLittleEndian<quint16>(r + 12) == qChecksum(QByteArrayView(r, 12));
        if (!sound) {
            if (damaged++ == 0)
                firstDamaged = at;
            continue;
        }
        const qint64 id = qFromLittleEndian<qint64>(r + 4);
        if (isMark) {
            c.marked.insert(id);
        } else if (isAccepted) {
            c.accepted.insert(id);
        } else {
            c.marked.remove(id);
            c.accepted.remove(id);
        }
    }
    if (damaged > 0)
        c.problems << QStringLiteral("the end-of-data journal %1 has %2 damaged record(s), the "
                                     "first at octet %3: they are ignored")
                          .arg(path)
                          .arg(damaged)
                          .arg(firstDamaged);
    if (whole < data.size())
        c.problems << QStringLiteral("the end-of-data journal %1 ends in an incomplete record "
                                     "(%2 octets at octet %3, a write cut short): it is ignored")
                          .arg(path)
                          .arg(data.size() - whole)
                          .arg(whole);
    return c;
}

EndOfDataJournal::EndOfDataJournal(QString path, qint64 compactBytes)
    : m_path(std::move(path))
    , m_compactBytes(compactBytes)
    , m_file(m_path)
{}

bool EndOfDataJournal::open(bool truncate, const QSet<qint64> &outstanding, QString *error,
                            const QSet<qint64> &accepted)
{
    m_file.close();
    // Unbuffered: every record is one write(2), in the page cache once mark() returns.
    QIODevice::OpenMode mode = QIODevice::WriteOnly | QIODevice::Unbuffered;
    mode |= truncate ? QIODevice::Truncate : QIODevice::Append;
    if (!m_file.open(mode, kOwnerOnly)) {
        if (error)
            *error = m_file.errorString();
        return false;
    }
    m_outstanding = truncate ? QSet<qint64>() : outstanding;
    m_accepted = truncate ? QSet<qint64>() : accepted;
    m_size = m_file.size();
    m_broken = false;
    return true;
}

bool EndOfDataJournal::append(const QByteArray &data, QString *error)
{
    if (!m_file.isOpen() || m_broken) {
        if (error)
            *error = m_file.isOpen() ? QStringLiteral("an earlier write to it failed")
                                     : QStringLiteral("it is not open");
        return false;
    }
    if (m_file.write(data) == data.size()) {
        m_size += data.size();
        return true;
    }
    if (error)
        *error = m_file.errorString();
    // Take back a partial record, or stop writing: records after one cut short would be read
    // out of step.
    if (!m_file.resize(m_size))
        m_broken = true;
    return false;
}

bool EndOfDataJournal::mark(qint64 id, QString *error)
{
    char r[kRecordSize];
    putRecord(r, kMarkTag, id);
    if (!append(QByteArray::fromRawData(r, kRecordSize), error))
        return false;
    m_outstanding.insert(id);
    return true;
}

bool EndOfDataJournal::accept(qint64 id, QString *error)
{
    char r[kRecordSize];
    putRecord(r, kAcceptedTag, id);
    if (!append(QByteArray::fromRawData(r, kRecordSize), error))
        return false;
    m_accepted.insert(id);
    return true;
}

bool EndOfDataJournal::empty()
{
    if (!m_file.isOpen() || !m_file.resize(0))
        return false;
    m_size = 0;
    m_broken = false;
    return true;
}

void EndOfDataJournal::resolve(const QList<qint64> &ids)
{
    QList<qint64> resolved;
    for (qint64 id : ids) {
        const bool marked = m_outstanding.remove(id);
        if (m_accepted.remove(id) || marked)
            resolved << id;
    }
    if (resolved.isEmpty())
        return;
    if (m_outstanding.isEmpty() && m_accepted.isEmpty()) {
        if (!empty())
            qWarning("outpost: could not empty the end-of-data journal %s: %s", qPrintable(m_path),
                     qPrintable(m_file.errorString()));
        return;
    }
    QString error;
    if (!append(records(kResolvedTag, resolved), &error)) {
        // Recovery reads the marks as outstanding, and ignores them: these messages are no
        // longer `sending` once their outcome is committed.
        qWarning("outpost: could not write to the end-of-data journal %s: %s", qPrintable(m_path),
                 qPrintable(error));
        return;
    }
    if (m_size > m_compactBytes)
        compact();
}

void EndOfDataJournal::compact()
{
    // Only the outstanding marks and acceptances, written aside and renamed over the journal: a
    // crash leaves either file whole.
    QSaveFile out(m_path);
    const QByteArray data =
        records(kMarkTag, m_outstanding.values()) + records(kAcceptedTag, m_accepted.values());
    // QSaveFile keeps the journal's permissions (0600).
    if (!out.open(QIODevice::WriteOnly) || out.write(data) != data.size() || !out.commit()) {
        qWarning("outpost: could not compact the end-of-data journal %s: %s", qPrintable(m_path),
                 qPrintable(out.errorString()));
        return;
    }
    m_file.close();
    QString error;
    if (!open(false, m_outstanding, &error, m_accepted)) {
        m_broken = true; // mark() refuses; Dispatcher falls back to the outbox
        qWarning("outpost: could not open the end-of-data journal %s again: %s", qPrintable(m_path),
                 qPrintable(error));
    }
}

} // namespace outpost
