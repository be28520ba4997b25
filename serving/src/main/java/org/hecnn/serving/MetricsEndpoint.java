package org.hecnn.serving;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** Serves {@link ServingMetrics} at {@code GET /metrics} for Prometheus to scrape (plain HTTP, one thread). */
final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer http;

    MetricsEndpoint(InetSocketAddress address, ServingMetrics metrics) throws IOException {
        http = HttpServer.create(address, 8);
        http.createContext("/metrics", exchange -> {
            byte[] body = metrics.prometheus().getBytes(StandardCharsets.UTF_8);
            boolean get = "GET".equals(exchange.getRequestMethod());
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(get ? 200 : 405, get ? body.length : -1);
            if (get) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        http.start();
    }

    /** The port it listens on. */
    int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
