#include "Console.h"

#include <QFile>

#include <cstdio>

namespace outpost::cli {

namespace {
/// True for the characters that reorder or hide text on a terminal: the bidirectional
/// embeddings, overrides, isolates and marks (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
/// U+061C). A server reply with U+202E would print "gnp.exe" as "exe.png".
bool isBidiControl(char16_t u)
{
    return (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069) || u == 0x200e ||
           u == 0x200f || u == 0x061c;
}
} // namespace

QString printable(QString s)
{
    for (QChar &c : s) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\n' && u != u'\t') || (u >= 0x7f && u <= 0x9f) || isBidiControl(u))
            c = QChar(QChar::ReplacementCharacter);
    }
    return s;
}

QByteArray terminalSafeJson(QByteArray json)
{
    if (!json.contains('\xc2') && !json.contains('\xd8') && !json.contains('\xe2'))
        return json;
    const QString text = QString::fromUtf8(json);
    QString out;
    out.reserve(text.size() + 16);
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if ((u >= 0x7f && u <= 0x9f) || isBidiControl(u))
            out += QStringLiteral("\\u%1").arg(uint(u), 4, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out.toUtf8();
}

void Console::out(const QString &text)
{
    outBytes(printable(text).toUtf8());
}

void Console::outBytes(const QByteArray &bytes)
{
    write(Stream::Out, bytes);
    flush();
}

void Console::err(const QString &text)
{
    write(Stream::Err,
          (QStringLiteral("outpost: ") + printable(text) + QLatin1Char('\n')).toUtf8());
    flush();
}

void Console::errLine(const QString &text)
{
    write(Stream::Err, printable(text + QLatin1Char('\n')).toUtf8());
}

void StdConsole::write(Stream stream, const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()),
                stream == Stream::Out ? stdout : stderr);
}

void StdConsole::flush()
{
    std::fflush(stdout);
    std::fflush(stderr);
}

bool StdConsole::readInput(QByteArray *input)
{
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return false;
    *input = in.readAll();
    return true;
}

void StdConsole::bufferLargeOutput()
{
    std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
}

void BufferConsole::write(Stream stream, const QByteArray &bytes)
{
    (stream == Stream::Out ? output : errors) += bytes;
}

bool BufferConsole::readInput(QByteArray *into)
{
    if (unreadable)
        return false;
    *into = input;
    return true;
}

} // namespace outpost::cli
