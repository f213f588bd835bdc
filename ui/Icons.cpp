#include "Icons.h"

#include <QFile>
#include <QHash>
#include <QImageReader>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

#include <functional>

static void outpostInitIconResources()
{
    Q_INIT_RESOURCE(outpost_icons);
}

namespace outpost::ui {

namespace {

bool svgSupported()
{
    static const bool ok = QImageReader::supportedImageFormats().contains(QByteArrayLiteral("svg"));
    return ok;
}

QIcon fromSvgOr(const QString &path, const std::function<void(QPainter &, qreal)> &paint)
{
    Icons::initResources();
    if (svgSupported() && QFile::exists(path))
        return QIcon(path);
    QIcon icon;
    for (int size : {16, 22, 24, 32, 48, 64}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        const qreal s = size / 32.0;
        p.scale(s, s);
        paint(p, s);
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

void paintEnvelope(QPainter &p, const QRectF &r, const QColor &fill, const QColor &edge)
{
    p.setPen(QPen(edge, 1.5));
    p.setBrush(fill);
    p.drawRoundedRect(r, 2.5, 2.5);
    QPainterPath flap;
    flap.moveTo(r.left() + 1.5, r.top() + 2);
    flap.lineTo(r.center().x(), r.top() + r.height() * 0.5);
    flap.lineTo(r.right() - 1.5, r.top() + 2);
    p.setPen(QPen(Qt::white, 2.1, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.setBrush(Qt::NoBrush);
    p.drawPath(flap);
}

void paintArrow(QPainter &p, const QPointF &from, qreal len, const QColor &c, qreal width)
{
    p.setPen(QPen(c, width, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.setBrush(Qt::NoBrush);
    const QPointF to(from.x() + len, from.y());
    p.drawLine(from, to);
    p.drawLine(to, QPointF(to.x() - 5, to.y() - 5));
    p.drawLine(to, QPointF(to.x() - 5, to.y() + 5));
}

const QColor kBlue(0x2d, 0x6c, 0xdf);
const QColor kBlueEdge(0x1b, 0x45, 0x95);

} // namespace

void Icons::initResources()
{
    static bool done = false;
    if (!done) {
        done = true;
        outpostInitIconResources();
    }
}

QIcon Icons::app()
{
    static const QIcon icon =
        fromSvgOr(QStringLiteral(":/icons/outpost.svg"), [](QPainter &p, qreal) {
            p.setPen(Qt::NoPen);
            p.setBrush(kBlue);
            p.drawRoundedRect(QRectF(1, 1, 30, 30), 6, 6);
            paintEnvelope(p, QRectF(5.5, 9.5, 17, 12.5), Qt::white, Qt::white);
            p.setPen(QPen(kBlue, 1.5, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
            p.drawLine(QPointF(6, 10.5), QPointF(14, 16.5));
            p.drawLine(QPointF(14, 16.5), QPointF(22, 10.5));
            paintArrow(p, QPointF(20, 23), 7, QColor(0xff, 0xb0, 0x20), 2.4);
        });
    return icon;
}

QIcon Icons::tray(TrayState s)
{
    static QHash<int, QIcon> cache;
    auto it = cache.constFind(int(s));
    if (it != cache.constEnd())
        return *it;
    QIcon icon;
    switch (s) {
    case TrayState::Idle:
        icon = fromSvgOr(QStringLiteral(":/icons/tray-idle.svg"), [](QPainter &p, qreal) {
            paintEnvelope(p, QRectF(3, 7, 26, 19), kBlue, kBlueEdge);
        });
        break;
    case TrayState::Sending:
        icon = fromSvgOr(QStringLiteral(":/icons/tray-sending.svg"), [](QPainter &p, qreal) {
            paintEnvelope(p, QRectF(1.5, 5, 22, 16), kBlue, kBlueEdge);
            paintArrow(p, QPointF(16, 25), 13, QColor(0x1f, 0x9d, 0x55), 3.2);
        });
        break;
    case TrayState::Offline:
        icon = fromSvgOr(QStringLiteral(":/icons/tray-offline.svg"), [](QPainter &p, qreal) {
            paintEnvelope(p, QRectF(3, 7, 26, 19), QColor(0x8a, 0x8f, 0x98),
                          QColor(0x5b, 0x60, 0x68));
            p.setPen(QPen(Qt::white, 5, Qt::SolidLine, Qt::RoundCap));
            p.drawLine(QPointF(4, 29), QPointF(28, 3));
            p.setPen(QPen(QColor(0x3b, 0x3f, 0x45), 2.5, Qt::SolidLine, Qt::RoundCap));
            p.drawLine(QPointF(4, 29), QPointF(28, 3));
        });
        break;
    case TrayState::Attention:
        icon = fromSvgOr(QStringLiteral(":/icons/tray-attention.svg"), [](QPainter &p, qreal) {
            paintEnvelope(p, QRectF(1.5, 5, 22, 16), kBlue, kBlueEdge);
            p.setPen(QPen(Qt::white, 1.5));
            p.setBrush(QColor(0xd9, 0x30, 0x25));
            p.drawEllipse(QPointF(23, 23), 8, 8);
            p.setPen(QPen(Qt::white, 2.6, Qt::SolidLine, Qt::RoundCap));
            p.drawLine(QPointF(23, 18), QPointF(23, 24));
            p.setPen(Qt::NoPen);
            p.setBrush(Qt::white);
            p.drawEllipse(QPointF(23, 27.5), 1.5, 1.5);
        });
        break;
    }
    cache.insert(int(s), icon);
    return icon;
}

QIcon Icons::state(MessageState s)
{
    static QHash<int, QIcon> cache;
    auto it = cache.constFind(int(s));
    if (it != cache.constEnd())
        return *it;
    QColor c;
    switch (s) {
    case MessageState::Draft:
        c = QColor(0x9e, 0x9e, 0x9e);
        break;
    case MessageState::Queued:
        c = QColor(0x2d, 0x6c, 0xdf);
        break;
    case MessageState::Sending:
        c = QColor(0x1f, 0x9d, 0x55);
        break;
    case MessageState::Sent:
        c = QColor(0x2e, 0x7d, 0x32);
        break;
    case MessageState::Failed:
        c = QColor(0xd9, 0x30, 0x25);
        break;
    case MessageState::Held:
        c = QColor(0xf0, 0x9a, 0x00);
        break;
    }
    QIcon icon;
    for (int size : {16, 32}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.scale(size / 16.0, size / 16.0);
        p.setPen(QPen(c.darker(130), 1));
        p.setBrush(c);
        if (s == MessageState::Sent) {
            p.setBrush(Qt::NoBrush);
            p.setPen(QPen(c, 2.4, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
            p.drawPolyline(QPolygonF({QPointF(3, 8.5), QPointF(6.5, 12), QPointF(13, 4.5)}));
        } else if (s == MessageState::Failed) {
            p.setPen(QPen(c, 2.4, Qt::SolidLine, Qt::RoundCap));
            p.drawLine(QPointF(4, 4), QPointF(12, 12));
            p.drawLine(QPointF(12, 4), QPointF(4, 12));
        } else if (s == MessageState::Held) {
            p.drawRect(QRectF(4, 3.5, 3, 9));
            p.drawRect(QRectF(9, 3.5, 3, 9));
        } else {
            p.drawEllipse(QRectF(3.5, 3.5, 9, 9));
        }
        p.end();
        icon.addPixmap(pm);
    }
    cache.insert(int(s), icon);
    return icon;
}

QIcon Icons::partiallySent()
{
    static const QIcon icon = [] {
        QIcon i;
        const QColor amber(0xe0, 0x8a, 0x00);
        const QColor red(0xd9, 0x30, 0x25);
        for (int size : {16, 32}) {
            QPixmap pm(size, size);
            pm.fill(Qt::transparent);
            QPainter p(&pm);
            p.setRenderHint(QPainter::Antialiasing);
            p.scale(size / 16.0, size / 16.0);
            p.setPen(QPen(amber, 2.4, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
            p.drawPolyline(QPolygonF({QPointF(2, 7.5), QPointF(5.5, 11), QPointF(11, 3.5)}));
            p.setPen(QPen(Qt::white, 1));
            p.setBrush(red);
            p.drawEllipse(QPointF(12, 12), 3.5, 3.5);
            p.end();
            i.addPixmap(pm);
        }
        return i;
    }();
    return icon;
}

} // namespace outpost::ui
