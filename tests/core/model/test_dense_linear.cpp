// dense_linear: the single-row (decoding) path through a matrix-vector product gives what torch's linear
// gives, with and without bias, for every input shape a decoder feeds it; gradients flow the same way.
#include "tests/registry.h"

#include "core/model/linear.h"

#include <QtTest>

using namespace lathe;

class TestDenseLinear : public QObject {
    Q_OBJECT
private slots:
    void singleRowEqualsLinear() {
        torch::manual_seed(3);
        auto w = torch::randn({7, 5});
        auto b = torch::randn({7});
        for (auto shape : std::vector<std::vector<int64_t>>{{5}, {1, 5}, {1, 1, 5}}) {
            auto x = torch::randn(shape);
            auto got = dense_linear(x, w, b);
            auto want = torch::nn::functional::linear(x, w, b);
            QCOMPARE(got.sizes().vec(), want.sizes().vec());
            QVERIFY(torch::allclose(got, want, 1e-5, 1e-6));
            QVERIFY(torch::allclose(dense_linear(x, w), torch::nn::functional::linear(x, w), 1e-5, 1e-6));
        }
    }

    void severalRowsEqualLinear() {
        torch::manual_seed(4);
        auto w = torch::randn({6, 4});
        auto x = torch::randn({2, 3, 4});
        QVERIFY(torch::allclose(dense_linear(x, w), torch::nn::functional::linear(x, w), 1e-5, 1e-6));
    }

    void singleRowGradientsMatch() {
        torch::manual_seed(5);
        auto w1 = torch::randn({3, 4}).requires_grad_(true), w2 = w1.detach().clone().requires_grad_(true);
        auto x1 = torch::randn({1, 1, 4}).requires_grad_(true), x2 = x1.detach().clone().requires_grad_(true);
        dense_linear(x1, w1).pow(2).sum().backward();
        torch::nn::functional::linear(x2, w2).pow(2).sum().backward();
        QVERIFY(torch::allclose(w1.grad(), w2.grad(), 1e-5, 1e-6));
        QVERIFY(torch::allclose(x1.grad(), x2.grad(), 1e-5, 1e-6));
    }
};

LATHE_TEST(TestDenseLinear)
#include "test_dense_linear.moc"
