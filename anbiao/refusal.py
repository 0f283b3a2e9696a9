"""The one kind of refusal the domain raises for input it cannot take: a Chinese message for the person, and the
form field it is about so the page can say it beside that field."""


class Refused(ValueError):
    """Input refused; the message is Chinese and `field` (when known) names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
