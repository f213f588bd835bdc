#include "Console.h"

#include <QFile>

#include <cstdio>

#ifdef Q_OS_UNIX
#include <sys/ioctl.h>
#include <unistd.h>
#endif

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
    clearStatus();
    write(Stream::Out, bytes);
    flush();
}

void Console::err(const QString &text)
{
    clearStatus();
    write(Stream::Err,
          (QStringLiteral("outpost: ") + printable(text) + QLatin1Char('\n')).toUtf8());
    flush();
}

void Console::errLine(const QString &text)
{
    clearStatus();
    write(Stream::Err, printable(text + QLatin1Char('\n')).toUtf8());
}

void Console::status(const QString &text)
{
    QString line = printable(text);
    line.remove(QLatin1Char('\n'));
    line.replace(QLatin1Char('\t'), QLatin1Char(' '));
    // One column short of the width: a line that fills the last column leaves some terminals
    // at the start of the next row, and the next carriage return would not reach this one.
    const int width = columns(Stream::Err);
    if (width > 1 && line.size() >= width)
        line.truncate(width - 1);
    // The text first, then clear what a longer line before it left: no blank moment between.
    write(Stream::Err, QByteArrayLiteral("\r") + line.toUtf8() + QByteArrayLiteral("\x1b[K"));
    m_statusShown = true;
    flush();
}

void Console::clearStatus()
{
    if (!m_statusShown)
        return;
    m_statusShown = false;
    write(Stream::Err, QByteArrayLiteral("\r\x1b[K"));
    flush();
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

bool StdConsole::isTerminal(Stream stream) const
{
#ifdef Q_OS_UNIX
    return ::isatty(stream == Stream::Out ? STDOUT_FILENO : STDERR_FILENO) == 1;
#else
    Q_UNUSED(stream);
    return false;
#endif
}

int StdConsole::columns(Stream stream) const
{
#ifdef Q_OS_UNIX
    winsize size{};
    if (::ioctl(stream == Stream::Out ? STDOUT_FILENO : STDERR_FILENO, TIOCGWINSZ, &size) == 0)
        return size.ws_col;
#else
    Q_UNUSED(stream);
#endif
    return 0;
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
