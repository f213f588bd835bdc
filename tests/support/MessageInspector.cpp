#include "MessageInspector.h"

#include <QRegularExpression>
#include <QTimeZone>

#pragma push_macro("signals")
#undef signals
#include <gmime/gmime.h>
#pragma pop_macro("signals")

namespace outpost::testsupport {

namespace {

void initGMime()
{
    static const bool once = [] {
        g_mime_init();
        return true;
    }();
    Q_UNUSED(once);
}

QString takeGString(char *s)
{
    if (!s)
        return {};
    QString r = QString::fromUtf8(s);
    g_free(s);
    return r;
}

void collectParts(GMimeObject *obj, QList<GMimeObject *> &out)
{
    if (!obj)
        return;
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        const int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n; ++i)
            collectParts(g_mime_multipart_get_part(mp, i), out);
    } else if (GMIME_IS_MESSAGE_PART(obj)) {
        out.append(obj); // an attached message counts as one leaf
    } else {
        out.append(obj);
    }
}

bool isAttachment(GMimeObject *obj)
{
    GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);
    if (d && g_mime_content_disposition_is_attachment(d))
        return true;
    if (GMIME_IS_PART(obj) && g_mime_part_get_filename(GMIME_PART(obj)))
        return true;
    return false;
}

} // namespace

QByteArray RawField::unfolded() const
{
    QByteArray v = value;
    v.replace("\r\n ", " ");
    v.replace("\r\n\t", "\t");
    v.replace("\r\n", "");
    return v.trimmed();
}

struct MessageInspector::GMimeState
{
    GMimeMessage *message = nullptr;
    ~GMimeState()
    {
        if (message)
            g_object_unref(message);
    }
};

MessageInspector::MessageInspector(const QByteArray &message)
    : m_data(message)
    , m_g(std::make_unique<GMimeState>())
{
    // raw header block
    qsizetype pos = 0;
    while (pos < m_data.size()) {
        qsizetype eol = m_data.indexOf("\r\n", pos);
        const qsizetype next = eol < 0 ? m_data.size() : eol + 2;
        if (eol < 0)
            eol = m_data.size();
        const QByteArray line = m_data.mid(pos, eol - pos);
        if (line.isEmpty())
            break;
        if ((line.startsWith(' ') || line.startsWith('\t')) && !m_fields.isEmpty()) {
            m_fields.last().value += "\r\n" + line;
            m_fields.last().lines.append(line);
        } else {
            RawField f;
            const qsizetype colon = line.indexOf(':');
            f.name = colon < 0 ? line : line.left(colon).trimmed();
            f.value = colon < 0 ? QByteArray() : line.mid(colon + 1);
            f.lines.append(line);
            m_fields.append(f);
        }
        pos = next;
    }

    initGMime();
    GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(g_byte_array_append(
        g_byte_array_new(), reinterpret_cast<const guint8 *>(m_data.constData()),
        guint(m_data.size())));
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    m_g->message = g_mime_parser_construct_message(parser, nullptr);
    g_object_unref(parser);
    g_object_unref(stream);
}

MessageInspector::~MessageInspector() = default;

int MessageInspector::headerCount(const QByteArray &name) const
{
    int n = 0;
    for (const RawField &f : m_fields) {
        if (f.name.compare(name, Qt::CaseInsensitive) == 0)
            ++n;
    }
    return n;
}

std::optional<QString> MessageInspector::headerDecoded(const QByteArray &name) const
{
    for (const RawField &f : m_fields) {
        if (f.name.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        initGMime();
        const QByteArray v = f.unfolded();
        return takeGString(g_mime_utils_header_decode_text(nullptr, v.constData()));
    }
    return std::nullopt;
}

std::optional<QString> MessageInspector::decodedBody() const
{
    if (!m_g->message)
        return std::nullopt;
    QList<GMimeObject *> parts;
    collectParts(g_mime_message_get_mime_part(m_g->message), parts);
    GMimeObject *fallback = nullptr;
    for (GMimeObject *p : parts) {
        if (!GMIME_IS_TEXT_PART(p))
            continue;
        GMimeContentType *ct = g_mime_object_get_content_type(p);
        if (!ct || !g_mime_content_type_is_type(ct, "text", "plain"))
            continue;
        if (isAttachment(p)) {
            if (!fallback)
                fallback = p;
            continue;
        }
        return takeGString(g_mime_text_part_get_text(GMIME_TEXT_PART(p)));
    }
    if (fallback)
        return takeGString(g_mime_text_part_get_text(GMIME_TEXT_PART(fallback)));
    return std::nullopt;
}

QStringList MessageInspector::attachmentNames() const
{
    QStringList names;
    if (!m_g->message)
        return names;
    QList<GMimeObject *> parts;
    collectParts(g_mime_message_get_mime_part(m_g->message), parts);
    for (GMimeObject *p : parts) {
        if (!GMIME_IS_PART(p) || !isAttachment(p))
            continue;
        const char *fn = g_mime_part_get_filename(GMIME_PART(p));
        names << (fn ? QString::fromUtf8(fn) : QString());
    }
    return names;
}

static void walkAddresses(InternetAddressList *list, QStringList *addrs, QStringList *names,
                          const QByteArray &raw)
{
    if (!list)
        return;
    const int n = internet_address_list_length(list);
    for (int i = 0; i < n; ++i) {
        InternetAddress *a = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(a)) {
            walkAddresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), addrs,
                          names, raw);
            continue;
        }
        if (!INTERNET_ADDRESS_IS_MAILBOX(a))
            continue;
        // GMime gives the domain decoded (U-label) in get_addr and encoded (A-label) in
        // get_idn_addr; report the form that was written in the header.
        InternetAddressMailbox *mb = INTERNET_ADDRESS_MAILBOX(a);
        const char *addr = internet_address_mailbox_get_addr(mb);
        const char *idn = internet_address_mailbox_get_idn_addr(mb);
        const char *name = internet_address_get_name(a);
        const QByteArray written =
            idn && !raw.contains(QByteArray(addr ? addr : "")) && raw.contains(QByteArray(idn))
                ? QByteArray(idn)
                : QByteArray(addr ? addr : "");
        if (addrs)
            addrs->append(QString::fromUtf8(written));
        if (names)
            names->append(QString::fromUtf8(name ? name : ""));
    }
}

QStringList MessageInspector::addresses(const QByteArray &header) const
{
    QStringList out;
    for (const RawField &f : m_fields) {
        if (f.name.compare(header, Qt::CaseInsensitive) != 0)
            continue;
        initGMime();
        InternetAddressList *list = internet_address_list_parse(nullptr, f.unfolded().constData());
        walkAddresses(list, &out, nullptr, f.unfolded());
        if (list)
            g_object_unref(list);
        break;
    }
    return out;
}

QStringList MessageInspector::displayNames(const QByteArray &header) const
{
    QStringList out;
    for (const RawField &f : m_fields) {
        if (f.name.compare(header, Qt::CaseInsensitive) != 0)
            continue;
        initGMime();
        InternetAddressList *list = internet_address_list_parse(nullptr, f.unfolded().constData());
        walkAddresses(list, nullptr, &out, f.unfolded());
        if (list)
            g_object_unref(list);
        break;
    }
    return out;
}

QByteArray MessageInspector::messageId() const
{
    for (const RawField &f : m_fields) {
        if (f.name.compare("Message-ID", Qt::CaseInsensitive) == 0)
            return f.unfolded();
    }
    return {};
}

bool MessageInspector::messageIdOk(QString *why) const
{
    const int n = headerCount("Message-ID");
    if (n != 1) {
        *why = QStringLiteral("%1 Message-ID fields").arg(n);
        return false;
    }
    static const QString atext = QStringLiteral("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+");
    static const QRegularExpression re(
        QStringLiteral("^<%1(\\.%1)*@(%1(\\.%1)*|\\[[!-Z^-~]*\\])>$").arg(atext));
    const QByteArray v = messageId();
    if (!re.match(QString::fromLatin1(v)).hasMatch()) {
        *why = QStringLiteral("Message-ID value not <id-left@id-right>: %1")
                   .arg(QString::fromLatin1(v));
        return false;
    }
    return true;
}

namespace {

struct ParsedDate
{
    QDateTime utc;
    QString zone;
    QString error;
};

ParsedDate parseDate(const QByteArray &value)
{
    static const QRegularExpression re(QStringLiteral(
        "^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun),[ \\t]*)?(\\d{1,2})[ \\t]+"
        "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[ \\t]+(\\d{4})[ \\t]+"
        "(\\d{2}):(\\d{2})(?::(\\d{2}))?[ \\t]+([+-])(\\d{2})(\\d{2})(?:[ \\t]+\\([^()]*\\))?$"));
    static const QStringList months = {
        QStringLiteral("Jan"), QStringLiteral("Feb"), QStringLiteral("Mar"), QStringLiteral("Apr"),
        QStringLiteral("May"), QStringLiteral("Jun"), QStringLiteral("Jul"), QStringLiteral("Aug"),
        QStringLiteral("Sep"), QStringLiteral("Oct"), QStringLiteral("Nov"), QStringLiteral("Dec")};
    static const QStringList days = {
        QStringLiteral("Mon"), QStringLiteral("Tue"), QStringLiteral("Wed"), QStringLiteral("Thu"),
        QStringLiteral("Fri"), QStringLiteral("Sat"), QStringLiteral("Sun")};
    ParsedDate r;
    const auto m = re.match(QString::fromLatin1(value));
    if (!m.hasMatch()) {
        r.error =
            QStringLiteral("Date not in RFC 5322 §3.3 form: %1").arg(QString::fromLatin1(value));
        return r;
    }
    const QDate date(m.captured(4).toInt(), int(months.indexOf(m.captured(3))) + 1,
                     m.captured(2).toInt());
    const QTime time(m.captured(5).toInt(), m.captured(6).toInt(),
                     m.captured(7).isEmpty() ? 0 : m.captured(7).toInt());
    if (!date.isValid() || !time.isValid()) {
        r.error =
            QStringLiteral("Date has an invalid date or time: %1").arg(QString::fromLatin1(value));
        return r;
    }
    if (!m.captured(1).isEmpty() && days.indexOf(m.captured(1)) + 1 != date.dayOfWeek()) {
        r.error = QStringLiteral("Date weekday does not match the date: %1")
                      .arg(QString::fromLatin1(value));
        return r;
    }
    const int offsetSec = (m.captured(9).toInt() * 60 + m.captured(10).toInt()) * 60 *
                          (m.captured(8) == QLatin1String("-") ? -1 : 1);
    r.utc = QDateTime(date, time, Qt::UTC).addSecs(-offsetSec);
    r.zone = m.captured(8) + m.captured(9) + m.captured(10);
    return r;
}

} // namespace

bool MessageInspector::dateOk(const QDateTime &reference, int toleranceSec, QString *why) const
{
    const int n = headerCount("Date");
    if (n != 1) {
        *why = QStringLiteral("%1 Date fields").arg(n);
        return false;
    }
    QByteArray v;
    for (const RawField &f : m_fields) {
        if (f.name.compare("Date", Qt::CaseInsensitive) == 0)
            v = f.unfolded();
    }
    const ParsedDate d = parseDate(v);
    if (!d.error.isEmpty()) {
        *why = d.error;
        return false;
    }
    if (reference.isValid() && std::abs(d.utc.secsTo(reference.toUTC())) > toleranceSec) {
        *why = QStringLiteral("Date %1 is more than %2 s from the queue time %3")
                   .arg(QString::fromLatin1(v))
                   .arg(toleranceSec)
                   .arg(reference.toUTC().toString(Qt::ISODate));
        return false;
    }
    return true;
}

QString MessageInspector::dateZone() const
{
    for (const RawField &f : m_fields) {
        if (f.name.compare("Date", Qt::CaseInsensitive) == 0)
            return parseDate(f.unfolded()).zone;
    }
    return {};
}

bool MessageInspector::encodedWordsOk(QString *why) const
{
    static const QRegularExpression ew(
        QStringLiteral("=\\?([^?\\s]+)\\?([BbQq])\\?([^?\\s]*)\\?="));
    for (const RawField &f : m_fields) {
        for (int li = 0; li < f.lines.size(); ++li) {
            const QByteArray &line = f.lines[li];
            const QString text = QString::fromLatin1(line);
            auto it = ew.globalMatch(text);
            while (it.hasNext()) {
                const auto m = it.next();
                const QString word = m.captured(0);
                const QString where =
                    QStringLiteral("%1: %2").arg(QString::fromLatin1(f.name), word);
                if (word.size() > 75) {
                    *why = QStringLiteral("encoded-word of %1 octets (> 75) in %2")
                               .arg(word.size())
                               .arg(where);
                    return false;
                }
                if (line.size() > 76) {
                    *why = QStringLiteral("encoded-word on a line of %1 octets (> 76) in %2")
                               .arg(line.size())
                               .arg(where);
                    return false;
                }
                // RFC 2047 §5: separated from adjacent text by white space
                const qsizetype s = m.capturedStart(0), e = m.capturedEnd(0);
                const QChar before = s > 0 ? text[s - 1] : QChar();
                const bool beforeOk = s == 0 || before == QLatin1Char(' ') ||
                                      before == QLatin1Char('\t') || before == QLatin1Char('(') ||
                                      (li == 0 && text.left(s).endsWith(QLatin1Char(':')) &&
                                       text.left(s - 1).trimmed().toLatin1() == f.name);
                const QChar after = e < text.size() ? text[e] : QChar();
                const bool afterOk = e == text.size() || after == QLatin1Char(' ') ||
                                     after == QLatin1Char('\t') || after == QLatin1Char(')');
                if (!beforeOk || !afterOk) {
                    *why = QStringLiteral("encoded-word not separated by white space in %1")
                               .arg(where);
                    return false;
                }
                // decodes on its own to whole characters
                const QByteArray charset =
                    m.captured(1).section(QLatin1Char('*'), 0, 0).toLatin1().toLower();
                const QByteArray payload = m.captured(3).toLatin1();
                QByteArray decoded;
                if (m.captured(2).compare(QLatin1String("b"), Qt::CaseInsensitive) == 0) {
                    const auto r = QByteArray::fromBase64Encoding(
                        payload, QByteArray::AbortOnBase64DecodingErrors);
                    if (!r) {
                        *why = QStringLiteral("invalid base64 in %1").arg(where);
                        return false;
                    }
                    decoded = *r;
                } else {
                    QByteArray q = payload;
                    q.replace('_', ' ');
                    decoded = QByteArray::fromPercentEncoding(q, '=');
                }
                if (charset == "utf-8" || charset == "utf8") {
                    const QString s8 = QString::fromUtf8(decoded);
                    if (s8.toUtf8() != decoded || s8.contains(QChar::ReplacementCharacter)) {
                        *why = QStringLiteral(
                                   "encoded-word does not decode to whole UTF-8 characters: %1")
                                   .arg(where);
                        return false;
                    }
                } else if (charset == "us-ascii") {
                    for (char c : decoded) {
                        if (uchar(c) >= 0x80) {
                            *why = QStringLiteral("non-ASCII octet in a us-ascii encoded-word: %1")
                                       .arg(where);
                            return false;
                        }
                    }
                }
            }
        }
    }
    return true;
}

} // namespace outpost::testsupport
