"""Tests of the shell integration in real bash, zsh and fish."""
