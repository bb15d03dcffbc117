package io.pgwarden.router;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands one default {@link RouterFixture} (two replicas, default config) to every test class
 * that asks for it, started on first use and closed when the test run ends: the classes that
 * only exercise clients against an unchanged router share one cluster instead of each starting
 * its own. Use with {@code @ExtendWith} and a {@code @BeforeAll} method taking a RouterFixture.
 */
public final class SharedRouterFixture implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedRouterFixture.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RouterFixture.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Holder.class, key -> Holder.start(), Holder.class)
                .fixture();
    }

    /** Closed by JUnit with the root context, after the last test class. */
    private record Holder(RouterFixture fixture) implements AutoCloseable {
        static Holder start() {
            try {
                return new Holder(RouterFixture.start(2, config -> config));
            } catch (Exception e) {
                throw new IllegalStateException("could not start the shared router fixture", e);
            }
        }

        @Override
        public void close() {
            fixture.close();
        }
    }
}
