"""ssoenv: one shell, one set of AWS IAM Identity Center role credentials."""

__version__ = "0.1.0"
