# Quick start: `make lab` (install and open the lessons) and `make test` (install and run every test).
# The inner loop while developing: `make test-fast` (lint and every unit test not marked slow).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Omniglot (Lesson 7): read the team's shared copy when it sits beside the repo (tests, CI);
# otherwise the kit downloads it on first use. Any folder with the official archives works.
SHARED_OMNIGLOT := $(abspath ../shared/data/omniglot)
ifneq ($(wildcard $(SHARED_OMNIGLOT)),)
export LESSON_LIB_OMNIGLOT ?= $(SHARED_OMNIGLOT)
endif
# Extra flags for JupyterLab, e.g. `make lab LAB_FLAGS="--no-browser --port 8900"`.
LAB_FLAGS ?=
# JupyterLab refuses to run as root (containers, CI) unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# App mode: `make voila` serves the lessons as pages without code (Voila, 127.0.0.1, with a token);
# extra flags, e.g. `make voila VOILA_FLAGS="--no-browser --port=8867"`.
VOILA_FLAGS ?=
# The Chinese edition: `make lab LESSON_LIB_LANG=zh` opens the Chinese lessons (notebooks/zh) with
# JupyterLab's own menus in Chinese (its zh-CN language pack, installed then; those settings are kept in
# .venv/lab-settings-zh, apart from your own), `make voila LESSON_LIB_LANG=zh` serves them. pip honours
# PIP_INDEX_URL (a mirror) in every target: nothing here overrides it.
LESSON_LIB_LANG ?= en
export LESSON_LIB_LANG
ZH := $(filter zh,$(LESSON_LIB_LANG))
LESSONS := $(if $(ZH),notebooks/zh,notebooks)

.PHONY: lab voila test test-fast student bench clean gl hub hub-install

# Debian packages, listed in apt.txt (Binder installs them from there): Lesson 13 draws the robot arm
# with MuJoCo offscreen (EGL, or OSMesa with MUJOCO_GL=osmesa) and needs the GL libraries; the Chinese
# lessons' figures need Noto CJK's glyphs (fonts-noto-cjk). Installed here when missing and we may
# (root with apt-get); otherwise a note says what to install. Nothing else needs them.
GL_PACKAGES := $(shell cat apt.txt)
gl:
	@if ! command -v dpkg >/dev/null || dpkg -s $(GL_PACKAGES) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(GL_PACKAGES); \
	else echo "note: Lesson 13's robot arm (EGL) and Chinese figures (Noto CJK) need: sudo apt-get install $(GL_PACKAGES)"; fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.lab-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.teach-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[teach]'
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

$(VENV)/.zh-installed: | $(BIN)/python
	$(BIN)/python -m pip install jupyterlab-language-pack-zh-CN
	mkdir -p $(VENV)/lab-settings-zh/@jupyterlab/translation-extension
	echo '{"locale": "zh_CN"}' > $(VENV)/lab-settings-zh/@jupyterlab/translation-extension/plugin.jupyterlab-settings
	touch $@

lab: $(VENV)/.lab-installed gl $(if $(ZH),$(VENV)/.zh-installed)
	$(if $(ZH),JUPYTERLAB_SETTINGS_DIR=$(abspath $(VENV)/lab-settings-zh)) $(BIN)/jupyter lab \
		--ServerApp.ip=127.0.0.1 --ServerApp.root_dir=$(LESSONS) $(ROOT_FLAG) $(LAB_FLAGS)

# A class on one server (as root): `make hub-install`, `deploy/add_students.sh student 30`, `make hub`.
KIT_HUB_DIR ?= /opt/meta-learning-kit
hub-install:
	deploy/install.sh $(KIT_HUB_DIR)

hub:
	cd $(KIT_HUB_DIR)/state && KIT_HUB_DIR=$(KIT_HUB_DIR) $(KIT_HUB_DIR)/venv/bin/jupyterhub \
		-f $(KIT_HUB_DIR)/kit/deploy/jupyterhub_config.py

voila: $(VENV)/.lab-installed gl
	$(BIN)/voila $(LESSONS) --Voila.ip=127.0.0.1 --token $(VOILA_FLAGS)

test: $(VENV)/.test-installed gl
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

test-fast: $(VENV)/.test-installed gl
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest -m "not slow and not notebooks and not browser and not hub" tests

# The student edition (exercise stubs instead of solutions, no outputs) for a teacher to hand out.
# With LESSON_LIB_LANG=zh, the Chinese lessons' student edition goes to student/zh.
STUDENT_DIR ?= $(if $(ZH),student/zh,student)
student: $(VENV)/.teach-installed
	$(BIN)/python -m lesson_lib.student_edition $(LESSONS) $(STUDENT_DIR)

bench: $(VENV)/.lab-installed
	$(BIN)/python -m lesson_lib.bench throughput
	$(BIN)/python -m lesson_lib.bench sinusoid --from-checkpoints

clean:
	rm -rf $(VENV)
