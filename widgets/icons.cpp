#include "widgets/icons.h"

#include <QApplication>
#include <QIconEngine>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>
#include <QPixmap>

namespace lathe {
namespace widgets {

namespace {

// Paints one icon in a 24 x 24 design grid, scaled to the target rectangle.
class VectorIconEngine : public QIconEngine {
public:
    explicit VectorIconEngine(IconKind kind) : kind_(kind) {}

    void paint(QPainter* p, const QRect& rect, QIcon::Mode mode, QIcon::State) override {
        p->save();
        p->setRenderHint(QPainter::Antialiasing);
        const double s = std::min(rect.width(), rect.height()) / 24.0;
        p->translate(rect.x() + (rect.width() - 24 * s) / 2, rect.y() + (rect.height() - 24 * s) / 2);
        p->scale(s, s);
        const QColor ink = QApplication::palette().color(QPalette::WindowText);
        if (mode == QIcon::Disabled) p->setOpacity(0.35);  // coloured icons fade too
        QPen pen(ink, 2.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
        p->setPen(pen);
        p->setBrush(Qt::NoBrush);
        draw(p, ink);
        p->restore();
    }

    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override {
        return scaledPixmap(size, mode, state, 1.0);
    }

    QPixmap scaledPixmap(const QSize& size, QIcon::Mode mode, QIcon::State state, qreal scale) override {
        QPixmap pm(size * scale);
        pm.setDevicePixelRatio(scale);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        paint(&p, QRect(QPoint(0, 0), size), mode, state);
        return pm;
    }

    QIconEngine* clone() const override { return new VectorIconEngine(kind_); }

private:
    void draw(QPainter* p, const QColor& ink) const {
        const QColor green(0x2e, 0x9d, 0x4f), red(0xc8, 0x3c, 0x3c), blue(0x2f, 0x6f, 0xd6);
        switch (kind_) {
            case IconKind::Start: {
                QPainterPath tri;
                tri.moveTo(7, 4.5);
                tri.lineTo(19.5, 12);
                tri.lineTo(7, 19.5);
                tri.closeSubpath();
                p->setPen(Qt::NoPen);
                p->setBrush(green);
                p->drawPath(tri);
                break;
            }
            case IconKind::Stop:
                p->setPen(Qt::NoPen);
                p->setBrush(red);
                p->drawRoundedRect(QRectF(6, 6, 12, 12), 2, 2);
                break;
            case IconKind::Folder:
            case IconKind::Open: {
                QPainterPath f;
                f.moveTo(3, 7);
                f.lineTo(9, 7);
                f.lineTo(11, 9);
                f.lineTo(21, 9);
                f.lineTo(21, 19);
                f.lineTo(3, 19);
                f.closeSubpath();
                p->drawPath(f);
                if (kind_ == IconKind::Open) p->drawLine(QPointF(3, 12), QPointF(21, 12));
                break;
            }
            case IconKind::Save:
                p->drawRoundedRect(QRectF(4, 4, 16, 16), 2, 2);
                p->drawRect(QRectF(8, 4, 8, 5));
                p->drawRect(QRectF(7, 13, 10, 7));
                break;
            case IconKind::Preview:
                p->drawEllipse(QRectF(3, 7, 18, 10));
                p->setBrush(ink);
                p->drawEllipse(QRectF(10, 10, 4, 4));
                break;
            case IconKind::Send: {
                QPainterPath plane;
                plane.moveTo(3, 11);
                plane.lineTo(21, 4);
                plane.lineTo(14, 21);
                plane.lineTo(11, 13);
                plane.closeSubpath();
                p->setBrush(blue);
                p->setPen(QPen(blue, 1.5, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
                p->drawPath(plane);
                break;
            }
            case IconKind::Clear:
                p->drawLine(QPointF(5, 7), QPointF(19, 7));
                p->drawRect(QRectF(7, 7, 10, 13));
                p->drawLine(QPointF(10, 4), QPointF(14, 4));
                break;
            case IconKind::Add:
                p->drawLine(QPointF(12, 5), QPointF(12, 19));
                p->drawLine(QPointF(5, 12), QPointF(19, 12));
                break;
            case IconKind::Image:
                p->drawRoundedRect(QRectF(3, 5, 18, 14), 2, 2);
                p->drawPolyline(QPolygonF({QPointF(5, 17), QPointF(10, 11), QPointF(14, 15), QPointF(16, 13),
                                           QPointF(19, 17)}));
                break;
            case IconKind::Refresh:
                p->drawArc(QRectF(5, 5, 14, 14), 30 * 16, 300 * 16);
                p->drawLine(QPointF(17, 4), QPointF(18, 8));
                p->drawLine(QPointF(18, 8), QPointF(14, 8.5));
                break;
            case IconKind::Compare:
                p->setPen(QPen(blue, 2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
                p->drawPolyline(QPolygonF({QPointF(3, 18), QPointF(9, 10), QPointF(14, 13), QPointF(21, 5)}));
                p->setPen(QPen(QColor(0xe0, 0x8a, 0x1e), 2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
                p->drawPolyline(QPolygonF({QPointF(3, 14), QPointF(9, 15), QPointF(14, 9), QPointF(21, 11)}));
                break;
            case IconKind::Load:
                p->drawLine(QPointF(12, 3), QPointF(12, 14));
                p->drawPolyline(QPolygonF({QPointF(8, 10), QPointF(12, 14), QPointF(16, 10)}));
                p->drawPolyline(QPolygonF({QPointF(4, 15), QPointF(4, 20), QPointF(20, 20), QPointF(20, 15)}));
                break;
            case IconKind::Remove: p->drawLine(QPointF(5, 12), QPointF(19, 12)); break;
            case IconKind::Up: p->drawPolyline(QPolygonF({QPointF(6, 15), QPointF(12, 9), QPointF(18, 15)})); break;
            case IconKind::Down: p->drawPolyline(QPolygonF({QPointF(6, 9), QPointF(12, 15), QPointF(18, 9)})); break;
            case IconKind::Export:  // a box with an arrow leaving it
                p->drawPolyline(QPolygonF({QPointF(10, 5), QPointF(4, 5), QPointF(4, 20), QPointF(19, 20), QPointF(19, 14)}));
                p->setPen(QPen(green, 2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
                p->drawLine(QPointF(10, 14), QPointF(20, 4));
                p->drawPolyline(QPolygonF({QPointF(14, 4), QPointF(20, 4), QPointF(20, 10)}));
                break;
            case IconKind::Unload:
                p->drawLine(QPointF(12, 14), QPointF(12, 3));
                p->drawPolyline(QPolygonF({QPointF(8, 7), QPointF(12, 3), QPointF(16, 7)}));
                p->drawPolyline(QPolygonF({QPointF(4, 15), QPointF(4, 20), QPointF(20, 20), QPointF(20, 15)}));
                break;
        }
    }

    IconKind kind_;
};

}  // namespace

QIcon icon(IconKind kind) { return QIcon(new VectorIconEngine(kind)); }

}  // namespace widgets
}  // namespace lathe
