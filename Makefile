# Station Academy — `make run` starts everything, `make test` runs the suite. Nothing else needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_WORKERS ?= 2
DEMO_PASSWORD ?= demo12345
export DEMO_PASSWORD

.PHONY: run test install messages migrate demo static lint format bench bench-install bench-smoke clean

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Babel compiles the catalogues in pure Python, so no system gettext is needed.
messages: install
	$(BIN)/pybabel compile --use-fuzzy -d training/locale -D "django djangojs" --statistics

migrate: install
	mkdir -p var media
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --if-empty

static: install
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

run: messages demo static
	@echo ""
	@echo "  Station Academy 基层人社学堂 is starting at http://$(HOST):$(PORT)/"
	@echo "  Authoring (Wagtail admin): http://$(HOST):$(PORT)/admin/"
	@echo "  Demo logins, password $(DEMO_PASSWORD):"
	@echo "    demo_learner   learner at 湖滨社区 (东湖区)"
	@echo "    demo_manager   district manager of 东湖区"
	@echo "    demo_trainer   trainer for 就业服务 and 失业保险 (Wagtail admin)"
	@echo "    demo_trainer_insurance  trainer for 养老保险, 医疗保险 and 社会保障卡"
	@echo "    demo_trainer_labour     trainer for 劳动关系, 劳动保障监察 and 离退休人员管理"
	@echo "    demo_senior    senior trainer, approves what trainers submit"
	@echo "    demo_admin     administrator"
	@echo "  Ctrl-C stops the web server and the worker."
	@echo ""
	WEB_BIND=$(HOST):$(PORT) WEB_WORKERS=$(WEB_WORKERS) $(BIN)/honcho start -f Procfile

test: messages
	mkdir -p var
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmark (bench/README.md): PostgreSQL and Redis on 127.0.0.1; SIZE=xs|s|m|l, BENCH_ARGS for more.
SIZE ?= s
$(VENV)/.bench-installed: bench/requirements.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	touch $@

bench-install: $(VENV)/.bench-installed

bench: bench-install messages static
	$(BIN)/python -m bench.run --size $(SIZE) $(BENCH_ARGS)

bench-smoke: bench-install messages static
	$(BIN)/python -m bench.run --smoke

clean:
	rm -rf var/test-* var/static
