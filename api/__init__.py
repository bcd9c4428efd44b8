"""The REST interface: serializers, views, permissions, routing, OpenAPI. Parses, calls one service, renders."""
